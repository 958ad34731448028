import { AttemptMetaSchema, endedState, nowIso, truncateMessage, type AttemptState, type Ending, type FinalReport } from '../core/index.js';
import { readJsonIfExists } from '../store/index.js';
import { recordChanges, type ChangeTracking } from './change-record.js';
import type { ReportReading } from '../agents/index.js';
import type { ProcessOutcome } from '../process/index.js';
import { attemptUsage, type Observed } from './observed.js';
import type { AttemptUnderWay, RunnerContext } from './runner-context.js';
import { freezeTree } from './session-store.js';

const FINAL_TAIL_CHARS = 4000;

/** Everything the attempt ends with. */
export interface Verdict {
  ending: Ending;
  /** How the process ended and the report read for it; null when it never spawned. */
  run: { outcome: ProcessOutcome; reading: ReportReading | null } | null;
  observed: Observed;
  /** The workspace as the attempt started; null when it never got one, or it could not be snapshotted. */
  tracking: ChangeTracking | null;
}

/**
 * Ends the attempt: its session store frozen as a resume base, what it changed recorded
 * (a snapshot commit, changes.json, diff.patch, the end commit in meta.json), final.json, then
 * the terminal state (state.json, then current.json). Returns the terminal state.
 */
export async function finishAttempt(
  ctx: Pick<RunnerContext, 'files' | 'paths' | 'occupancy' | 'identity' | 'serial'>,
  attempt: AttemptUnderWay,
  { ending, run, observed, tracking }: Verdict,
): Promise<AttemptState> {
  const { job, events, writer } = attempt;
  const state = writer.state;
  // This attempt's own tokens: what the conversation used in all, less what it had used before the resume.
  const usage = attemptUsage(observed, job.resume);
  const ended = {
    ...endedState(state, { ...ending, usage }),
    thread_id: observed.threadId,
    thread_usage: observed.threadUsage,
    current_item: observed.currentItem ?? state.current_item,
  };
  if (attempt.sessionDir) {
    await freezeTree(attempt.sessionDir).catch((error: Error) => events.append('harness.session.freeze_failed', { message: error.message }));
  }
  const reading = run?.reading;
  if (tracking) {
    const summary = reading?.kind === 'report' ? summaryOf(reading.report) : null;
    ended.changes = await recordChanges(ctx, job.location, tracking, ended, summary, events);
    await recordEndCommit(ctx, attempt, ended.changes?.end_commit ?? null);
  }
  const final: FinalReport = {
    run_id: state.run_id,
    status: ended.status,
    written_at: nowIso(),
    host_outcome: {
      exit_code: ended.exit_code,
      signal: ended.signal,
      timed_out: ended.failure_reason === 'timeout',
      failure_reason: ended.failure_reason,
      message: ended.message,
    },
    agent_outcome: ended.agent_outcome,
    report: reading?.kind === 'report' ? reading.report : null,
    report_source: reading?.kind === 'report' ? reading.source : 'harness',
    validation_error: ended.failure_reason === 'schema_invalid' || ended.failure_reason === 'no_final' ? ended.message : null,
    usage: ended.usage,
    stdout_tail: truncateMessage(run?.outcome.stdoutTail.slice(-FINAL_TAIL_CHARS) ?? ''),
    stderr_tail: truncateMessage(run?.outcome.stderrTail.slice(-FINAL_TAIL_CHARS) ?? ''),
  };
  await ctx.files.writeFinal(job.location, final);
  await writer.write(ended);
  events.append('harness.attempt.ended', { status: ended.status, failure_reason: ended.failure_reason, message: ended.message });
  return ended;
}

/** meta.json as it is on disk (a stuck kill may have added to it), with the snapshot the attempt ended at. */
async function recordEndCommit(ctx: Pick<RunnerContext, 'files' | 'paths'>, attempt: AttemptUnderWay, endCommit: string | null): Promise<void> {
  const meta = await readJsonIfExists(ctx.paths.artifactFile(attempt.job.location, 'meta'), AttemptMetaSchema);
  if (meta) await ctx.files.writeMeta(attempt.job.location, { ...meta, workspace: { ...meta.workspace, end_commit: endCommit } });
}

/** The report's summary, when it has one (a step's own output_schema need not ask for it). */
function summaryOf(report: unknown): string | null {
  const summary = (report as { summary?: unknown } | null)?.summary;
  return typeof summary === 'string' ? summary : null;
}
