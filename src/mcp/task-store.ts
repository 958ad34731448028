import { randomBytes } from 'node:crypto';
import { isTerminal } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { CreateTaskOptions, TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { Request, RequestId, Result, Task } from '@modelcontextprotocol/sdk/types.js';
import { IllegalStateError, InvalidArgumentError, NotFoundError } from '../core/index.js';

/** How long a task and its result are kept after the task ends: what a client gets without a ttl, and the most it may ask for. */
export const MAX_TASK_TTL_MS = 60 * 60 * 1000;

/** What a task-capable tool's description says of retention. */
export const TASK_TTL_NOTE = `A task and its result are kept for the task's ttl after it ends: the requested ttl, at most ${MAX_TASK_TTL_MS / 60_000} minutes (the default; a larger one is capped, and the granted ttl is in the task).`;

// How often the SDK polls the task behind a plain (task-less) tools/call: it sleeps this long
// before each look, so it bounds how late a plain call answers after its work is done.
const PLAIN_CALL_POLL_MS = 10;
// What a task client is told to poll at when the tool names nothing.
const DEFAULT_POLL_MS = 1000;
// tasks/list pages, as the SDK's own store pages them.
const LIST_PAGE_SIZE = 10;

interface StoredTask {
  task: Task;
  result?: Result;
  sessionId?: string;
  /** false: the SDK made this task for a plain tools/call; the client knows nothing of it. */
  asked: boolean;
  /** When the ended task may be forgotten (ms since the epoch); unset while it works. */
  expiresAtMs?: number;
  /** The work behind the task, to be told when a client cancels it. */
  onCancel?: () => void;
}

/**
 * The MCP tasks of one server session. Two kinds live here. A task a client created (a
 * tools/call with `task`) is listed by tasks/list and kept its granted ttl (at most
 * MAX_TASK_TTL_MS) after it ends; a task still working is never dropped, since its work is
 * bounded anyway (a wait's timeout). The SDK also runs a plain tools/call of a task-capable tool
 * as a task it polls itself: that task is never listed, is polled fast, and is dropped once its
 * result has been read. The store also tells the work behind a task when a client cancels it
 * (tasks/cancel only changes the task's status; the work has to hear of it).
 */
export class HarnessTaskStore implements TaskStore {
  private readonly tasks = new Map<string, StoredTask>();

  async createTask(taskParams: CreateTaskOptions, _requestId: RequestId, request: Request, sessionId?: string): Promise<Task> {
    this.forgetExpired();
    const asked = (request.params as { task?: unknown } | undefined)?.task !== undefined;
    const taskId = randomBytes(16).toString('hex');
    const createdAt = new Date().toISOString();
    const task: Task = {
      taskId,
      status: 'working',
      ttl: asked ? grantedTtlMs(taskParams.ttl) : MAX_TASK_TTL_MS,
      createdAt,
      lastUpdatedAt: createdAt,
      pollInterval: asked ? (taskParams.pollInterval ?? DEFAULT_POLL_MS) : PLAIN_CALL_POLL_MS,
    };
    this.tasks.set(taskId, { task, sessionId, asked });
    return { ...task };
  }

  async getTask(taskId: string, sessionId?: string): Promise<Task | null> {
    const stored = this.lookup(taskId, sessionId);
    return stored ? { ...stored.task } : null;
  }

  /** True for the task behind a plain tools/call, which no client asked for and none is told of. */
  isPlainCall(taskId: string): boolean {
    return this.tasks.get(taskId)?.asked === false;
  }

  onCancel(taskId: string, listener: () => void): void {
    const stored = this.tasks.get(taskId);
    if (stored) stored.onCancel = listener;
  }

  async storeTaskResult(taskId: string, status: 'completed' | 'failed', result: Result, sessionId?: string): Promise<void> {
    const stored = this.working(taskId, sessionId, status);
    stored.result = result;
    this.end(stored, status);
  }

  async getTaskResult(taskId: string, sessionId?: string): Promise<Result> {
    const stored = this.found(taskId, sessionId);
    // Only the SDK's own polling loop reads a plain call's result, and it reads it once.
    if (!stored.asked) this.tasks.delete(taskId);
    if (!stored.result) throw new IllegalStateError(`Task ${taskId} has no result stored (it is ${stored.task.status})`);
    return stored.result;
  }

  async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string, sessionId?: string): Promise<void> {
    const stored = this.working(taskId, sessionId, status);
    if (statusMessage) stored.task.statusMessage = statusMessage;
    if (status === 'cancelled') stored.onCancel?.();
    if (isTerminal(status)) this.end(stored, status);
    else stored.task.status = status;
  }

  async listTasks(cursor?: string, sessionId?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    this.forgetExpired();
    const listed = [...this.tasks.values()].filter((s) => s.asked && isVisible(s, sessionId)).map((s) => s.task);
    let start = 0;
    if (cursor) {
      const at = listed.findIndex((t) => t.taskId === cursor);
      if (at < 0) throw new InvalidArgumentError('cursor', `${cursor} names no task of this list`);
      start = at + 1;
    }
    const page = listed.slice(start, start + LIST_PAGE_SIZE).map((t) => ({ ...t }));
    return { tasks: page, ...(start + LIST_PAGE_SIZE < listed.length ? { nextCursor: page.at(-1)!.taskId } : {}) };
  }

  /** Forgets every task, when the session closes. */
  cleanup(): void {
    this.tasks.clear();
  }

  private end(stored: StoredTask, status: Task['status']): void {
    stored.task.status = status;
    stored.task.lastUpdatedAt = new Date().toISOString();
    stored.onCancel = undefined;
    if (stored.task.ttl !== null) stored.expiresAtMs = Date.now() + stored.task.ttl;
  }

  private lookup(taskId: string, sessionId: string | undefined): StoredTask | undefined {
    this.forgetExpired();
    const stored = this.tasks.get(taskId);
    return stored && isVisible(stored, sessionId) ? stored : undefined;
  }

  private found(taskId: string, sessionId: string | undefined): StoredTask {
    const stored = this.lookup(taskId, sessionId);
    if (!stored) throw new NotFoundError('task', taskId);
    return stored;
  }

  /** The task, which must still be working: a terminal status never changes. */
  private working(taskId: string, sessionId: string | undefined, next: Task['status']): StoredTask {
    const stored = this.found(taskId, sessionId);
    if (isTerminal(stored.task.status)) throw new IllegalStateError(`Cannot move task ${taskId} from ${stored.task.status} to ${next}: a terminal status never changes`);
    return stored;
  }

  // Expiry is checked on each use rather than by timers, so nothing is left scheduled after a session.
  private forgetExpired(): void {
    const now = Date.now();
    for (const [taskId, stored] of this.tasks) {
      if (stored.expiresAtMs !== undefined && stored.expiresAtMs <= now) this.tasks.delete(taskId);
    }
  }
}

/**
 * The ttl a task gets: what the client asked for, at most MAX_TASK_TTL_MS (and that when it asked
 * for none). The spec lets a receiver grant another ttl than asked; the task answer says which.
 */
export function grantedTtlMs(requestedMs: number | null | undefined): number {
  if (requestedMs === undefined || requestedMs === null) return MAX_TASK_TTL_MS;
  return Math.min(Math.max(0, Math.round(requestedMs)), MAX_TASK_TTL_MS);
}

// As the SDK's store: a task made in a session is seen only from that session; a caller without one sees all.
function isVisible(stored: StoredTask, sessionId: string | undefined): boolean {
  return sessionId === undefined || stored.sessionId === undefined || stored.sessionId === sessionId;
}
