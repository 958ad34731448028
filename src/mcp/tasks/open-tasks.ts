import type { Harness } from '../../harness/index.js';
import { BackgroundTasks } from './background-tasks.js';
import { createTaskWorker } from './task-worker.js';

/** The MCP tasks of the harness's runs root, with their work taken up again (see BackgroundTasks). */
export function openBackgroundTasks(harness: Harness, options: { now?: () => number } = {}): Promise<BackgroundTasks> {
  return BackgroundTasks.open(harness, createTaskWorker(harness), options);
}
