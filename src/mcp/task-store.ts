import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { Result, Task } from '@modelcontextprotocol/sdk/types.js';

/**
 * The SDK's in-memory task store, which also tells the work behind a task when a client
 * cancels it (tasks/cancel only changes the task's status; the work has to hear of it).
 */
export class CancelAwareTaskStore extends InMemoryTaskStore {
  private readonly cancelListeners = new Map<string, () => void>();

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
