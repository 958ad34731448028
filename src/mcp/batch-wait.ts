import { LOG_LEVEL_META_KEY, type ProgressToken, type ServerContext } from '@modelcontextprotocol/server';
import type { Harness } from '../harness/index.js';
import { describeBatch, describeProgress, MCP_LOGS, type BatchProgress, type StepSelection } from '../scoreboard/index.js';
import { batchAnswer, batchScoreboardPage, type Detail } from './scoreboard-answer.js';
import { envelopeOf } from './request-envelope.js';
import { toolResult } from './tool-result.js';
import { createTrailingThrottle, type TrailingThrottle } from './trailing-throttle.js';

const PROGRESS_INTERVAL_MS = 500;

/** How long a plain call waits unless told: under the 60 s most MCP clients wait for a tool call before giving up. */
export const DEFAULT_WAIT_SECONDS = 50;

/** Who hears how far a wait is: a call's progress notifications, or a task's status message. */
export type ProgressListener = TrailingThrottle<BatchProgress>;

type Request = Pick<ServerContext['mcpReq'], '_meta' | 'notify'>;

/**
 * The progress notifications of a call that sent a progress token (undefined for one that did
 * not): at the start, at most every PROGRESS_INTERVAL_MS while it changes (the last change of
 * a burst is sent when the interval ends, not dropped), and once more right before the answer,
 * so the last notification tells what the answer does.
 */
export function progressNotifications(request: Request): ProgressListener | undefined {
  const progressToken = request._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  return createTrailingThrottle((p: BatchProgress) => notifyProgress(request, progressToken, p), PROGRESS_INTERVAL_MS, sameProgress);
}

/** A task's reports of its progress, as status messages. */
export function statusReports(report: (statusMessage: string) => void): ProgressListener {
  return createTrailingThrottle(async (p: BatchProgress) => report(describeProgress(p)), PROGRESS_INTERVAL_MS, sameProgress);
}

/**
 * Waits until the batch (or the `steps` of it) is settled, `timeoutMs` passes (Infinity: no
 * limit) or `signal` aborts; `listener` hears the progress. True when it settled.
 */
export async function waitWithProgress(
  harness: Harness,
  batchId: string,
  options: { timeoutMs: number; signal: AbortSignal; listener?: ProgressListener; steps?: StepSelection },
): Promise<boolean> {
  const { listener, steps } = options;
  try {
    listener?.offer(await harness.reader.progress(batchId, steps));
    const settled = await harness.reader.waitUntilSettled(batchId, options.timeoutMs, { signal: options.signal, steps, onChange: (p) => listener?.offer(p) });
    // Read right before the answer: a settled batch says the same in both; one still going may move in between.
    await listener?.end(await harness.reader.progress(batchId, steps));
    return settled;
  } finally {
    listener?.stop();
  }
}

/**
 * Runs `work`, passing the harness's log to the request while it runs when the request asked for
 * it: a 2026-07-28 request names its level in `_meta` (the SDK drops what is below it), and gets
 * no log message otherwise. A 2025-11-25 client hears the log through the connection's logging
 * already (wireNotifications), so it is not sent twice.
 */
export async function withRequestedLog<T>(harness: Harness, ctx: ServerContext, work: () => Promise<T>): Promise<T> {
  if (envelopeOf(ctx)[LOG_LEVEL_META_KEY] === undefined) return work();
  const off = harness.onLog((level, message) => void ctx.mcpReq.log(level, message, 'harness-mcp').catch(() => undefined));
  try {
    return await work();
  } finally {
    off();
  }
}

/** The scoreboard at `detail` as a wait answers it, with `timed_out` and any fields of the tool's own (`extra`). */
export async function settledAnswer(harness: Harness, batchId: string, detail: Detail, settled: boolean, extra: Record<string, unknown> = {}) {
  const board = await batchScoreboardPage(harness, batchId, detail, undefined);
  return toolResult({ ...batchAnswer(board, detail), timed_out: !settled, ...extra }, `${settled ? '' : 'Still going (timed out waiting). '}${describeBatch(board, MCP_LOGS)}`);
}

function notifyProgress(request: Request, progressToken: ProgressToken, progress: BatchProgress): Promise<void> {
  return request
    .notify({
      method: 'notifications/progress',
      params: { progressToken, progress: progress.ended, total: progress.total, message: describeProgress(progress) },
    })
    .catch(() => undefined); // the client has gone; its answer will not arrive either
}

// The message holds every number a notification carries, so equal messages tell the same.
function sameProgress(a: BatchProgress, b: BatchProgress): boolean {
  return describeProgress(a) === describeProgress(b);
}
