import type { McpTaskWork } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { settledAnswer, statusReports, waitWithProgress } from '../batch-wait.js';
import { retriedAnswer, waitForRetried } from '../tools/retry-step.js';
import { answer } from '../tool-result.js';
import type { StopReason, TaskWorker } from './background-tasks.js';

/**
 * The work of each task-capable tool: a wait whose progress becomes the task's status message,
 * answered as the plain call answers. Cancelling a run_batch task cancels its batch; cancelling
 * a wait only ends the wait.
 */
export function createTaskWorker(harness: Harness): TaskWorker {
  // A refusal (the batch gone, say) is the tool's answer, as in a plain call: the task completes
  // with an error result; only a failure of the server itself fails the task.
  return (work, report, signal) => answer(() => waitFor(harness, work, report, signal));
}

async function waitFor(harness: Harness, work: McpTaskWork, report: (statusMessage: string) => void, signal: AbortSignal) {
  const listener = statusReports(report);
  if (work.tool === 'retry_step') {
    const settled = await waitForRetried(harness, work, Infinity, signal, listener);
    return retriedAnswer(harness, work, settled);
  }
  const timeoutMs = work.tool === 'wait_for_batch' && work.until !== null ? Math.max(0, Date.parse(work.until) - Date.now()) : Infinity;
  const settled = await waitWithProgress(harness, work.batch_id, { timeoutMs, signal, listener });
  if (work.tool === 'wait_for_batch') return settledAnswer(harness, work.batch_id, work.detail, settled);
  if ((signal.reason as StopReason | undefined) === 'cancelled') await harness.cancel({ batch_id: work.batch_id });
  return settledAnswer(harness, work.batch_id, 'summary', settled, { deduplicated: work.deduplicated });
}
