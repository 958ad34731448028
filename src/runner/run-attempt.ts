import {
  createReportValidator,
  nowIso,
  redactArgv,
  redactEnv,
  AgentOutcomeStatusSchema,
  type AgentOutcome,
  type AttemptState,
  type FinalReport,
  type PlannedJob,
  type PlannedStep,
} from '../core/index.js';
import type { AgentAdapter, AttemptContext, ReportReading } from '../agents/index.js';
import { runProcess, type ProcessOutcome } from '../process/index.js';
import { EventLog, type AttemptFiles, type AttemptLocation, type CurrentIndexFiles, type KeyedSerial, type RunsPaths } from '../store/index.js';
import { endedState, isShutdown, SHUTDOWN_ENDING, truncateMessage, type Ending } from './attempt-state-change.js';
import { prepareWorkspace } from './workspace.js';

const SUMMARY_CHARS = 2000;
const FINAL_TAIL_CHARS = 4000;

/** Everything one attempt needs from the server around it. */
export interface RunnerContext {
  paths: RunsPaths;
  files: AttemptFiles;
  currentIndex: CurrentIndexFiles;
  serial: KeyedSerial;
  runnerId: string;
  harnessVersion: string;
  configVersion: string;
  killGraceMs: number;
  heartbeatIntervalMs: number;
}

export interface AttemptJob {
  location: AttemptLocation;
  /** The attempt's state as it is on disk now (queued). */
  state: AttemptState;
  job: PlannedJob;
  step: PlannedStep;
  adapter: AgentAdapter;
  signal: AbortSignal;
  /** Called after every state.json write, so the caller's view matches the disk. */
  onState: (state: AttemptState) => void;
}

/**
 * Runs one attempt from queued to terminal (SPEC §5): workspace, meta.json, spawn, running,
 * output and events streamed to files with a heartbeat, then the run report validated,
 * final.json, the terminal state and current.json. Returns the terminal state; an agent that
 * fails is an outcome, not an exception.
 */
export async function runAttempt(ctx: RunnerContext, job: AttemptJob): Promise<AttemptState> {
  const { location, step } = job;
  const attemptDir = ctx.paths.attemptDir(location);
  let state = job.state;
  // state.json, then current.json when the attempt starts or ends, and only then the caller
  // hears of it: whoever sees the new state can rely on the index being written too.
  const write = async (next: AttemptState, durable = true) => {
    await ctx.files.writeState(location, next, { durable });
    if (next.status !== state.status) await recordInCurrentIndex(ctx, location, next);
    state = next;
    job.onState(next);
  };

  if (job.signal.aborted) {
    const ended = endedState(state, isShutdown(job.signal) ? SHUTDOWN_ENDING : { status: 'canceled', failureReason: 'canceled', message: 'canceled before it started' });
    await write(ended);
    return ended;
  }

  const events = new EventLog(ctx.paths.artifactFile(location, 'events'));
  try {
    let cwd: string;
    let workspaceRoot: string;
    try {
      ({ cwd, root: workspaceRoot } = await prepareWorkspace(ctx.paths, ctx.serial, location.batchId, job.job));
    } catch (error) {
      const message = `could not prepare the ${job.job.workspace_policy} workspace: ${(error as Error).message}`;
      events.append('harness.attempt.workspace_failed', { message });
      return await finish(ctx, job, events, state, write, { status: 'failed', failureReason: 'spawn_error', message }, null);
    }

    const attemptCtx: AttemptContext = {
      step,
      runId: state.run_id,
      attempt: state.attempt,
      attemptDir,
      cwd,
      reportPath: ctx.paths.agentReportFile(location),
    };
    const invocation = job.adapter.invocation(attemptCtx);
    const env: Record<string, string> = {
      ...invocation.env,
      ...step.env,
      HARNESS_RUN_ID: state.run_id,
      HARNESS_BATCH_ID: location.batchId,
      HARNESS_JOB_ID: location.jobId,
      HARNESS_STEP_ID: location.stepId,
      HARNESS_ATTEMPT: String(state.attempt),
      HARNESS_ATTEMPT_DIR: attemptDir,
    };
    await ctx.files.writeMeta(location, {
      run_id: state.run_id,
      batch_id: location.batchId,
      job_id: location.jobId,
      step_id: location.stepId,
      attempt: state.attempt,
      trigger: state.trigger,
      agent: { name: job.adapter.name, version: await job.adapter.version() },
      argv: redactArgv(invocation.argv),
      env: redactEnv(env),
      cwd,
      workspace: { policy: job.job.workspace_policy, root: workspaceRoot },
      timeout_seconds: step.timeout_seconds,
      resume: null,
      harness_version: ctx.harnessVersion,
      harness_config_version: ctx.configVersion,
      runner_id: ctx.runnerId,
      written_at: nowIso(),
      thread_id: null,
    });
    events.append('harness.attempt.spawning', { argv: redactArgv(invocation.argv), cwd });

    let activitySinceBeat = false;
    let running: Promise<void> = Promise.resolve();
    const beat = setInterval(() => {
      if (!activitySinceBeat || state.status !== 'running') return;
      activitySinceBeat = false;
      running = running.then(() => write({ ...state, last_heartbeat_at: nowIso() }, false)).catch(() => undefined);
    }, ctx.heartbeatIntervalMs);

    const outcome = await runProcess({
      argv: invocation.argv,
      cwd,
      env,
      stdoutPath: ctx.paths.artifactFile(location, 'stdout'),
      stderrPath: ctx.paths.artifactFile(location, 'stderr'),
      timeoutMs: step.timeout_seconds * 1000,
      killGraceMs: ctx.killGraceMs,
      signal: job.signal,
      onSpawn: (pid) => {
        const now = nowIso();
        events.append('harness.attempt.running', { pid });
        running = write({ ...state, status: 'running', pid, runner_id: ctx.runnerId, started_at: now, last_heartbeat_at: now });
      },
      onActivity: () => {
        activitySinceBeat = true;
      },
    }).finally(() => clearInterval(beat));
    await running;
    events.append('harness.attempt.exited', {
      exit_code: outcome.exitCode,
      signal: outcome.signal,
      timed_out: outcome.timedOut,
      canceled: outcome.canceled,
    });

    const { ending, reading } = await judge(job, attemptCtx, outcome);
    if (reading?.kind !== 'report' && reading) events.append('harness.report.missing', { reason: reading.reason });
    return await finish(ctx, job, events, state, write, ending, { outcome, reading });
  } finally {
    await events.close();
  }
}

/** The attempt's terminal status from its host outcome first, then its run report (SPEC §4.1, §6). */
async function judge(
  job: AttemptJob,
  attemptCtx: AttemptContext,
  outcome: ProcessOutcome,
): Promise<{ ending: Ending; reading: ReportReading | null }> {
  const base = { exitCode: outcome.exitCode, signal: outcome.signal };
  if (outcome.canceled && isShutdown(job.signal)) return { ending: { ...base, ...SHUTDOWN_ENDING }, reading: null };
  if (outcome.canceled) return { ending: { ...base, status: 'canceled', failureReason: 'canceled', message: 'canceled while running' }, reading: null };
  if (outcome.timedOut) {
    return { ending: { ...base, status: 'failed', failureReason: 'timeout', message: `timed out after ${job.step.timeout_seconds} s` }, reading: null };
  }
  if (outcome.spawnError !== null) {
    const message = `could not start \`${attemptCtx.step.agent}\` agent: ${outcome.spawnError}. Check that the program is installed and on PATH, and that the working directory exists.`;
    return { ending: { ...base, status: 'failed', failureReason: 'spawn_error', message }, reading: null };
  }
  const reading = await job.adapter.readReport(attemptCtx, outcome);
  if (outcome.exitCode !== 0) {
    const tail = outcome.stderrTail.trim() || outcome.stdoutTail.trim();
    const message = `exited ${outcome.exitCode ?? `by ${outcome.signal}`}${tail ? `; output ends: ${tail.slice(-SUMMARY_CHARS)}` : ''}`;
    return { ending: { ...base, status: 'failed', failureReason: 'exit_nonzero', message, agentOutcome: agentOutcomeOf(reading) }, reading };
  }
  if (reading.kind === 'missing') return { ending: { ...base, status: 'needs_attention', failureReason: 'no_final', message: reading.reason }, reading };
  if (reading.kind === 'unreadable') return { ending: { ...base, status: 'needs_attention', failureReason: 'schema_invalid', message: reading.reason }, reading };
  const check = createReportValidator(job.step.output_schema)(reading.report);
  if (!check.ok) {
    return { ending: { ...base, status: 'needs_attention', failureReason: 'schema_invalid', message: `the run report does not match the output schema: ${check.error}` }, reading };
  }
  const agentOutcome = agentOutcomeOf(reading);
  if (agentOutcome?.status === 'failure') {
    return { ending: { ...base, status: 'failed', failureReason: 'agent_failure', message: agentOutcome.summary, agentOutcome }, reading };
  }
  if (agentOutcome?.status === 'blocked') {
    return { ending: { ...base, status: 'needs_attention', failureReason: 'agent_blocked', message: agentOutcome.summary, agentOutcome }, reading };
  }
  return { ending: { ...base, status: 'succeeded', failureReason: null, message: null, agentOutcome }, reading };
}

function agentOutcomeOf(reading: ReportReading | null): AgentOutcome | null {
  if (reading?.kind !== 'report' || !reading.report || typeof reading.report !== 'object') return null;
  const report = reading.report as Record<string, unknown>;
  const status = AgentOutcomeStatusSchema.safeParse(report.status);
  return {
    status: status.success ? status.data : null,
    summary: typeof report.summary === 'string' ? report.summary.slice(0, SUMMARY_CHARS) : null,
  };
}

async function finish(
  ctx: RunnerContext,
  job: AttemptJob,
  events: EventLog,
  state: AttemptState,
  write: (next: AttemptState) => Promise<void>,
  ending: Ending,
  result: { outcome: ProcessOutcome; reading: ReportReading | null } | null,
): Promise<AttemptState> {
  const ended = endedState(state, ending);
  const reading = result?.reading;
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
    stdout_tail: truncateMessage(result?.outcome.stdoutTail.slice(-FINAL_TAIL_CHARS) ?? ''),
    stderr_tail: truncateMessage(result?.outcome.stderrTail.slice(-FINAL_TAIL_CHARS) ?? ''),
  };
  await ctx.files.writeFinal(job.location, final);
  await write(ended);
  events.append('harness.attempt.ended', { status: ended.status, failure_reason: ended.failure_reason, message: ended.message });
  return ended;
}

/** Points current.json's latest (and, on success, latest_successful) at this attempt. */
export async function recordInCurrentIndex(ctx: Pick<RunnerContext, 'paths' | 'currentIndex'>, location: AttemptLocation, state: AttemptState): Promise<void> {
  const pointer = {
    run_id: state.run_id,
    attempt_dir: ctx.paths.relative(ctx.paths.attemptDir(location)),
    resume_base_dir: null,
    thread_id: state.thread_id,
    status: state.status,
  };
  await ctx.currentIndex.update(location.batchId, location.jobId, (index) => {
    const entry = (index.steps[location.stepId] ??= { latest: null, latest_successful: null });
    entry.latest = pointer;
    if (state.status === 'succeeded') entry.latest_successful = pointer;
  });
}
