import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HarnessTaskStore, MAX_TASK_TTL_MS } from '../../src/mcp/task-store.js';

/** A tools/call request as the SDK hands it to the store: with `task` when the client asked for one. */
function call(task?: { ttl?: number }) {
  return { method: 'tools/call', params: { name: 'wait_for_batch', arguments: {}, ...(task ? { task } : {}) } };
}

const RESULT = { content: [{ type: 'text', text: 'done' }] };

describe('HarnessTaskStore', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('grants the ttl a client asks for, up to the maximum, and the maximum when it asks for none', async () => {
    const store = new HarnessTaskStore();
    expect((await store.createTask({ ttl: 60_000 }, 1, call({ ttl: 60_000 }))).ttl).toBe(60_000);
    expect((await store.createTask({ ttl: 2 * MAX_TASK_TTL_MS }, 2, call({ ttl: 2 * MAX_TASK_TTL_MS }))).ttl).toBe(MAX_TASK_TTL_MS);
    expect((await store.createTask({}, 3, call({}))).ttl).toBe(MAX_TASK_TTL_MS);
  });

  it('forgets a task its ttl after it ended, and never while it works', async () => {
    const store = new HarnessTaskStore();
    const { taskId } = await store.createTask({ ttl: 60_000 }, 1, call({ ttl: 60_000 }));
    vi.advanceTimersByTime(10 * 60_000);
    expect((await store.getTask(taskId))?.status).toBe('working');
    await store.storeTaskResult(taskId, 'completed', RESULT);
    vi.advanceTimersByTime(60_000 - 1);
    expect(await store.getTaskResult(taskId)).toEqual(RESULT);
    expect((await store.listTasks()).tasks.map((t) => t.taskId)).toEqual([taskId]);
    vi.advanceTimersByTime(1);
    expect(await store.getTask(taskId)).toBeNull();
    expect((await store.listTasks()).tasks).toEqual([]);
    await expect(store.getTaskResult(taskId)).rejects.toThrow(`No task \`${taskId}\``);
  });

  it('lists only the tasks clients asked for, and drops a plain call task once its result is read', async () => {
    const store = new HarnessTaskStore();
    const asked = await store.createTask({ ttl: 60_000 }, 1, call({ ttl: 60_000 }));
    const plain = await store.createTask({}, 2, call());
    expect(store.isPlainCall(plain.taskId)).toBe(true);
    expect(store.isPlainCall(asked.taskId)).toBe(false);
    expect(plain.pollInterval).toBeLessThan(asked.pollInterval!);
    expect((await store.listTasks()).tasks.map((t) => t.taskId)).toEqual([asked.taskId]);
    await store.storeTaskResult(plain.taskId, 'completed', RESULT);
    expect(await store.getTaskResult(plain.taskId)).toEqual(RESULT);
    expect(await store.getTask(plain.taskId)).toBeNull();
  });

  it('tells the work when its task is canceled, and a canceled task takes no result', async () => {
    const store = new HarnessTaskStore();
    const { taskId } = await store.createTask({}, 1, call({}));
    let told = 0;
    store.onCancel(taskId, () => told++);
    await store.updateTaskStatus(taskId, 'cancelled', 'Client cancelled task execution.');
    expect(told).toBe(1);
    await expect(store.storeTaskResult(taskId, 'completed', RESULT)).rejects.toThrow(`Cannot move task ${taskId} from cancelled to completed`);
  });

  it('keeps a session to its own tasks', async () => {
    const store = new HarnessTaskStore();
    const { taskId } = await store.createTask({}, 1, call({}), 'session-a');
    expect(await store.getTask(taskId, 'session-b')).toBeNull();
    expect((await store.listTasks(undefined, 'session-b')).tasks).toEqual([]);
    expect((await store.listTasks(undefined, 'session-a')).tasks.map((t) => t.taskId)).toEqual([taskId]);
  });

  it('pages tasks/list with the last task id of a page as the cursor', async () => {
    const store = new HarnessTaskStore();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await store.createTask({}, i, call({}))).taskId);
    const first = await store.listTasks();
    expect(first.tasks.map((t) => t.taskId)).toEqual(ids.slice(0, 10));
    const second = await store.listTasks(first.nextCursor);
    expect(second).toEqual({ tasks: expect.any(Array) });
    expect(second.tasks.map((t) => t.taskId)).toEqual(ids.slice(10));
    await expect(store.listTasks('nope')).rejects.toThrow('cursor: nope names no task of this list');
  });
});
