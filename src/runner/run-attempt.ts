import { join } from 'node:path';
import {
  addUsage,
  AgentOutcomeStatusSchema,
  createReportValidator,
  endedState,
  nowIso,
  redactArgv,
  redactEnv,
  ResumeUnavailableError,
  truncateMessage,
  usageSince,
  type AgentOutcome,
  type AttemptState,
  type Ending,
  type FinalReport,
  type PlannedJob,
  type PlannedStep,
  type Usage,
} from '../core/index.js';
import type { AgentAdapter, AgentEvent, AttemptContext, ReportReading, ResumeSource } from '../agents/index.js';
import { runProcess, type ProcessOutcome } from '../process/index.js';
import { EventLog, type AttemptFiles, type AttemptLocation, type AttemptTransitions, type KeyedSerial, type RunsPaths } from '../store/index.js';
import { agentVersion } from './agent-version.js';
import { isShutdown, SHUTDOWN_ENDING, StuckReason } from './abort-reasons.js';
import { freezeTree } from './session-store.js';
import { prepareWorkspace } from './workspace.js';

const SUMMARY_CHARS = 2000;
const FINAL_TAIL_CHARS = 4000;

/** Everything one attempt needs from the server around it. */
export interface RunnerContext {
  paths: RunsPaths;
  /** meta.json and final.json; the attempt's state changes go through `transitions` alone. */
  files: Pick<AttemptFiles, 'writeMeta' | 'writeFinal'>;
  transitions: AttemptTransitions;
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
  /** The attempt whose session this one continues (resume_from), already chosen by selector. */
  resume: ResumeSource | null;
  signal: AbortSignal;
  /** Called after every state.json write, so the caller's view matches the disk. */
  onState: (state: AttemptState) => void;
}

/** What the agent's event stream told us while it ran. */
interface Observed {
  threadId: string | null;
  currentItem: string | null;
  lastMessage: string | null;
  threadUsage: Usage | null;
  errorMessage: string | null;
  /** The agent said its run failed. */
  declaredFailure: boolean;
}

/**
 * Runs one attempt from queued to terminal (docs/spec.md §5): workspace, session store, meta.json,
 * spawn, running, output and agent events streamed to files with a heartbeat, then the run
 * report validated, the session store frozen as a resume base, final.json, the terminal state
 * and current.json. Returns the terminal state; an agent that fails is an outcome, not an
 * exception.
 */
export async function runAttempt(ctx: RunnerContext, job: AttemptJob): Promise<AttemptState> {
  const { location, step, adapter } = job;
  const attemptDir = ctx.paths.attemptDir(location);
  const sessionDir = adapter.sessionDirName ? join(attemptDir, adapter.sessionDirName) : null;
  const resumeBaseDir = sessionDir ? ctx.paths.relative(sessionDir) : null;
  let state: AttemptState = {
    ...job.state,
    resumed_from: job.resume ? { step_id: job.resume.stepId, run_id: job.resume.runId, thread_id: job.resume.threadId } : null,
  };
  // state.json, then current.json when the attempt starts or ends, and only then the caller
  // hears of it: whoever sees the new state can rely on the index being written too.
  const write = async (next: AttemptState, durable = true) => {
    await ctx.transitions.write(location, state, next, { durable, resumeBaseDir });
    state = next;
    job.onState(next);
  };

  if (job.signal.aborted) {
    const ended = endedState(state, isShutdown(job.signal) ? SHUTDOWN_ENDING : { status: 'canceled', failureReason: 'canceled', message: 'canceled before it started' });
    await write(ended);
    return ended;
  }

  const events = new EventLog(ctx.paths.artifactFile(location, 'events'));
  const observed: Observed = { threadId: job.resume?.threadId ?? null, currentItem: null, lastMessage: null, threadUsage: null, errorMessage: null, declaredFailure: false };
  try {
    let attemptCtx: AttemptContext;
    let workspaceRoot: string;
    try {
      const workspace = await prepareWorkspace(ctx.paths, ctx.serial, location.batchId, job.job);
      workspaceRoot = workspace.root;
      attemptCtx = {
        step,
        runId: state.run_id,
        attempt: state.attempt,
        attemptDir,
        cwd: workspace.cwd,
        inGitRepo: workspace.inGitRepo,
        reportPath: ctx.paths.agentReportFile(location),
        sessionDir,
        resume: job.resume,
      };
      await adapter.prepareSession(attemptCtx);
    } catch (error) {
      const message = `could not prepare the attempt: ${(error as Error).message}`;
      events.append('harness.attempt.prepare_failed', { message });
      // A session that cannot be resumed stays so on retry: a person decides what to run instead.
      const ending: Ending =
        error instanceof ResumeUnavailableError
          ? { status: 'needs_attention', failureReason: 'resume_unavailable', message }
          : { status: 'failed', failureReason: 'spawn_error', message };
      return await finish(ctx, job, events, state, write, ending, null, observed, resumeBaseDir);
    }

    const invocation = adapter.invocation(attemptCtx);
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
    const meta = {
      run_id: state.run_id,
      batch_id: location.batchId,
      job_id: location.jobId,
      step_id: location.stepId,
      attempt: state.attempt,
      trigger: state.trigger,
      agent: { name: adapter.name, version: await agentVersion(adapter.versionArgv(), attemptCtx.cwd, env) },
      argv: redactArgv(invocation.argv),
      env: redactEnv(env),
      cwd: attemptCtx.cwd,
      workspace: { policy: job.job.workspace_policy, root: workspaceRoot },
      timeout_seconds: step.timeout_seconds,
      resume: job.resume ? { run_id: job.resume.runId, step_id: job.resume.stepId, thread_id: job.resume.threadId, selector: job.resume.selector } : null,
      harness_version: ctx.harnessVersion,
      harness_config_version: ctx.configVersion,
      runner_id: ctx.runnerId,
      written_at: nowIso(),
      thread_id: observed.threadId,
    };
    await ctx.files.writeMeta(location, meta);
    events.append('harness.attempt.spawning', { argv: meta.argv, cwd: attemptCtx.cwd });

    // Writes that follow the process (running, heartbeats, thread id) are chained in order.
    let pending: Promise<void> = Promise.resolve();
    const enqueue = (make: () => AttemptState | undefined, durable = true) => {
      pending = pending
        .then(() => {
          const next = make();
          return next ? write(next, durable) : undefined;
        })
        .catch((error: Error) => {
          events.append('harness.state_write_failed', { message: error.message });
        });
    };
    let activitySinceBeat = false;
    const beat = setInterval(() => {
      if (!activitySinceBeat) return;
      activitySinceBeat = false;
      enqueue(() => (state.status === 'running' ? { ...state, last_heartbeat_at: nowIso(), current_item: observed.currentItem } : undefined), false);
    }, ctx.heartbeatIntervalMs);

    const onAgentEvent = (event: AgentEvent) => {
      switch (event.kind) {
        case 'session':
          observed.threadId = event.threadId;
          enqueue(() => ({ ...state, thread_id: event.threadId }));
          pending = pending.then(() => ctx.files.writeMeta(location, { ...meta, thread_id: event.threadId })).catch(() => undefined);
          break;
        case 'item':
          observed.currentItem = event.currentItem;
          break;
        case 'message':
          observed.lastMessage = event.text;
          break;
        case 'usage':
          observed.threadUsage = event.scope === 'attempt' && job.resume?.threadUsage ? addUsage(job.resume.threadUsage, event.usage) : event.usage;
          break;
        case 'error':
          observed.errorMessage = event.message;
          break;
        case 'failed':
          observed.errorMessage = event.message;
          observed.declaredFailure = true;
          break;
        case 'other':
          break;
      }
    };

    const onStuck = () => {
      if (!(job.signal.reason instanceof StuckReason)) return;
      const lastActivityAt = job.signal.reason.lastActivityAt;
      events.append('harness.attempt.stuck_killed', { last_activity_at: lastActivityAt });
      pending = pending
        .then(() => ctx.files.writeMeta(location, { ...meta, thread_id: observed.threadId, remediation: { kind: 'stuck_killed', at: nowIso(), last_activity_at: lastActivityAt } }))
        .catch(() => undefined);
    };
    job.signal.addEventListener('abort', onStuck, { once: true });

    const parseLine = adapter.lineParser?.() ?? null;
    const outcome = await runProcess({
      argv: invocation.argv,
      cwd: attemptCtx.cwd,
      env,
      stdoutPath: ctx.paths.artifactFile(location, 'stdout'),
      stderrPath: ctx.paths.artifactFile(location, 'stderr'),
      timeoutMs: step.timeout_seconds * 1000,
      killGraceMs: ctx.killGraceMs,
      signal: job.signal,
      onSpawn: (pid) => {
        const now = nowIso();
        events.append('harness.attempt.running', { pid });
        enqueue(() => ({ ...state, status: 'running', pid, runner_id: ctx.runnerId, started_at: now, last_heartbeat_at: now }));
      },
      onActivity: () => {
        activitySinceBeat = true;
      },
      onStdoutLine: parseLine
        ? (line) => {
            const parsed = parseLine(line);
            const { type, ...fields } = parsed.logged;
            events.append(type, fields);
            parsed.events.forEach(onAgentEvent);
          }
        : undefined,
    }).finally(() => clearInterval(beat));
    await pending;
    events.append('harness.attempt.exited', { exit_code: outcome.exitCode, signal: outcome.signal, timed_out: outcome.timedOut, canceled: outcome.canceled });

    const { ending, reading } = await judge(job, attemptCtx, outcome, observed);
    if (reading && reading.kind !== 'report') events.append('harness.report.missing', { reason: reading.reason });
    return await finish(ctx, job, events, state, write, ending, { outcome, reading }, observed, resumeBaseDir);
  } finally {
    await events.close();
  }
}

/** The attempt's terminal status from its host outcome first, then its run report (docs/spec.md §4.1, §6). */
async function judge(
  job: AttemptJob,
  attemptCtx: AttemptContext,
  outcome: ProcessOutcome,
  observed: Observed,
): Promise<{ ending: Ending; reading: ReportReading | null }> {
  const base = { exitCode: outcome.exitCode, signal: outcome.signal };
  if (outcome.canceled && isShutdown(job.signal)) return { ending: { ...base, ...SHUTDOWN_ENDING }, reading: null };
  if (outcome.canceled && job.signal.reason instanceof StuckReason) {
    const message = `killed as stuck: ${job.signal.reason.message}; retried by policy`;
    return { ending: { ...base, status: 'failed', failureReason: 'stuck', message }, reading: null };
  }
  if (outcome.canceled) return { ending: { ...base, status: 'canceled', failureReason: 'canceled', message: 'canceled while running' }, reading: null };
  if (outcome.outputError) {
    return { ending: { ...base, status: 'failed', failureReason: 'storage_error', message: `${outcome.outputError}; the run was stopped` }, reading: null };
  }
  if (outcome.timedOut) {
    return { ending: { ...base, status: 'failed', failureReason: 'timeout', message: `timed out after ${job.step.timeout_seconds} s` }, reading: null };
  }
  if (outcome.spawnError !== null) {
    const fix = job.adapter.name === 'command' ? 'Check that the program is installed and on PATH' : `Install the ${job.adapter.name} CLI or set agents.${job.adapter.name}.command in the harness config`;
    const message = `could not start the ${job.adapter.name} agent: ${outcome.spawnError}. ${fix}, and check that the working directory exists.`;
    return { ending: { ...base, status: 'failed', failureReason: 'spawn_error', message }, reading: null };
  }
  const reading = await job.adapter.readReport(attemptCtx, { ...outcome, lastMessage: observed.lastMessage });
  if (outcome.exitCode !== 0) {
    const tail = observed.errorMessage ?? (outcome.stderrTail.trim() || outcome.stdoutTail.trim());
    const message = `exited ${outcome.exitCode ?? `by ${outcome.signal}`}${tail ? `; ${observed.errorMessage ? 'the agent said' : 'output ends'}: ${tail.slice(-SUMMARY_CHARS)}` : ''}`;
    return { ending: { ...base, status: 'failed', failureReason: 'exit_nonzero', message, agentOutcome: agentOutcomeOf(reading) }, reading };
  }
  if (observed.declaredFailure) {
    return { ending: { ...base, status: 'failed', failureReason: 'agent_failure', message: `the agent reported an error: ${observed.errorMessage}` }, reading };
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
  observed: Observed,
  resumeBaseDir: string | null,
): Promise<AttemptState> {
  // This attempt's own tokens: what the conversation used in all, less what it had used before the resume.
  const usage = observed.threadUsage ? usageSince(observed.threadUsage, job.resume?.threadUsage ?? null) : null;
  const ended = {
    ...endedState(state, { ...ending, usage }),
    thread_id: observed.threadId,
    thread_usage: observed.threadUsage,
    current_item: observed.currentItem ?? state.current_item,
  };
  if (resumeBaseDir) {
    const sessionDir = join(ctx.paths.root, resumeBaseDir);
    await freezeTree(sessionDir).catch((error: Error) => events.append('harness.session.freeze_failed', { message: error.message }));
  }
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
