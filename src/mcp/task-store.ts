import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { CreateTaskOptions } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { Request, RequestId, Result, Task } from '@modelcontextprotocol/sdk/types.js';

// How often the SDK polls the task behind a plain (task-less) tools/call: it sleeps this long
// before each look, so it bounds how late a plain call answers after its work is done.
const PLAIN_CALL_POLL_MS = 10;

/**
 * The SDK's in-memory task store, which also tells the work behind a task when a client
 * cancels it (tasks/cancel only changes the task's status; the work has to hear of it), and
 * polls quickly for plain calls, which the SDK runs as tasks it polls itself.
 */
export class CancelAwareTaskStore extends InMemoryTaskStore {
  private readonly cancelListeners = new Map<string, () => void>();

  override async createTask(taskParams: CreateTaskOptions, requestId: RequestId, request: Request, sessionId?: string): Promise<Task> {
    const plainCall = !(request.params as { task?: unknown } | undefined)?.task;
    return super.createTask(plainCall ? { ...taskParams, pollInterval: PLAIN_CALL_POLL_MS } : taskParams, requestId, request, sessionId);
  }

  onCancel(taskId: string, listener: () => void): void {
    this.cancelListeners.set(taskId, listener);
  }

  override async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string, sessionId?: string): Promise<void> {
    await super.updateTaskStatus(taskId, status, statusMessage, sessionId);
    if (status === 'cancelled') this.cancelListeners.get(taskId)?.();
    if (status !== 'working' && status !== 'input_required') this.cancelListeners.delete(taskId);
  }

  override async storeTaskResult(taskId: string, status: 'completed' | 'failed', result: Result, sessionId?: string): Promise<void> {
    this.cancelListeners.delete(taskId);
    await super.storeTaskResult(taskId, status, result, sessionId);
  }
}
