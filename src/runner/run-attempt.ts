import { join } from 'node:path';
import { endedState, type AttemptState } from '../core/index.js';
import { EventLog } from '../store/index.js';
import { isShutdown, SHUTDOWN_ENDING } from './abort-reasons.js';
import { finishAttempt } from './finish-attempt.js';
import { judgeAttempt } from './judge-attempt.js';
import { initialObserved } from './observed.js';
import { prepareAttempt } from './prepare-attempt.js';
import { runAndObserve } from './run-and-observe.js';
import type { AttemptJob, AttemptUnderWay, RunnerContext } from './runner-context.js';
import { StateWriter } from './state-writer.js';

/**
 * Runs one attempt from queued to terminal (docs/spec.md §5) in four phases: prepare (workspace,
 * session store, command line, meta.json), run and observe (spawn, running, output and agent
 * events streamed to files with a heartbeat), judge (the ending from the host outcome, then the
 * run report), finish (the session store frozen as a resume base, final.json, the terminal state
 * and current.json). Returns the terminal state; an agent that fails is an outcome, not an
 * exception.
 */
export async function runAttempt(ctx: RunnerContext, job: AttemptJob): Promise<AttemptState> {
  const sessionDir = job.adapter.sessionDirName ? join(ctx.paths.attemptDir(job.location), job.adapter.sessionDirName) : null;
  const start: AttemptState = {
    ...job.state,
    resumed_from: job.resume ? { step_id: job.resume.stepId, run_id: job.resume.runId, thread_id: job.resume.threadId } : null,
  };
  const writer = new StateWriter(ctx.transitions, job.location, start, sessionDir ? ctx.paths.relative(sessionDir) : null, job.onState);

  if (job.signal.aborted) {
    const ended = endedState(start, isShutdown(job.signal) ? SHUTDOWN_ENDING : { status: 'canceled', failureReason: 'canceled', message: 'canceled before it started' });
    await writer.write(ended);
    return ended;
  }

  const attempt: AttemptUnderWay = { job, sessionDir, events: new EventLog(ctx.paths.artifactFile(job.location, 'events')), writer };
  try {
    const preparation = await prepareAttempt(ctx, attempt);
    if (preparation.kind === 'failed') return await finishAttempt(ctx, attempt, { ending: preparation.ending, run: null, observed: initialObserved(job.resume), tracking: null });
    const run = await runAndObserve(ctx, attempt, preparation.prepared);
    const { ending, reading } = await judgeAttempt(ctx, job, preparation.prepared.attemptCtx, run);
    if (reading && reading.kind !== 'report') attempt.events.append('harness.report.missing', { reason: reading.reason });
    return await finishAttempt(ctx, attempt, { ending, run: { outcome: run.outcome, reading }, observed: run.observed, tracking: preparation.prepared.tracking });
  } finally {
    ctx.occupancy.forget(start.run_id);
    await attempt.events.close();
  }
}
