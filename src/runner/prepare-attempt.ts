import { nowIso, redactArgv, redactEnv, ResumeUnavailableError, type AttemptMeta, type Ending } from '../core/index.js';
import type { AttemptContext } from '../agents/index.js';
import { agentVersion } from './agent-version.js';
import type { AttemptUnderWay, RunnerContext } from './runner-context.js';
import { trackChanges, type ChangeTracking } from './change-record.js';
import { prepareWorkspace, type Workspace } from './workspace.js';

/** An attempt ready to spawn: what its adapter was told, its command line, and its meta.json as written. */
export interface PreparedAttempt {
  attemptCtx: AttemptContext;
  argv: [string, ...string[]];
  env: Record<string, string>;
  meta: AttemptMeta;
  /** The workspace as the attempt started, to record what it changed; null when it could not be snapshotted. */
  tracking: ChangeTracking | null;
}

/** Ready to spawn, or ended before it could: its workspace or session store could not be made. */
export type Preparation = { kind: 'ready'; prepared: PreparedAttempt } | { kind: 'failed'; ending: Ending };

/**
 * Makes what the attempt runs in and with: the job's workspace, the agent's session store, its
 * command line and environment, then meta.json. A workspace or session store that cannot be made
 * ends the attempt; an adapter or a disk that fails after that throws (a harness failure).
 */
export async function prepareAttempt(ctx: RunnerContext, attempt: AttemptUnderWay): Promise<Preparation> {
  const { job, events } = attempt;
  const { location, step, adapter } = job;
  const state = attempt.writer.state;
  const attemptDir = ctx.paths.attemptDir(location);
  let attemptCtx: AttemptContext;
  let workspace: Workspace;
  try {
    workspace = await prepareWorkspace(ctx.paths, ctx.serial, location.batchId, job.job, state.run_id);
    attemptCtx = {
      step,
      runId: state.run_id,
      attempt: state.attempt,
      attemptDir,
      cwd: workspace.cwd,
      inGitRepo: workspace.inGitRepo,
      reportPath: ctx.paths.agentReportFile(location),
      sessionDir: attempt.sessionDir,
      resume: job.resume,
      maxCostUsd: ctx.budgets?.remainingStepCostUsd(location) ?? null,
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
    return { kind: 'failed', ending };
  }

  const tracking = await trackChanges(ctx, location, state, job.job, workspace, events);
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
  const meta: AttemptMeta = {
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
    workspace: {
      policy: job.job.workspace_policy,
      root: workspace.root,
      branch: tracking?.space.branchRef?.replace(/^refs\/heads\//, '') ?? null,
      start_commit: tracking?.start ?? null,
    },
    timeout_seconds: step.timeout_seconds,
    resume: job.resume ? { run_id: job.resume.runId, step_id: job.resume.stepId, thread_id: job.resume.threadId, selector: job.resume.selector } : null,
    harness_version: ctx.harnessVersion,
    harness_config_version: ctx.configVersion,
    runner_id: ctx.runnerId,
    written_at: nowIso(),
    thread_id: job.resume?.threadId ?? null,
    fallback: job.fallback,
  };
  await ctx.files.writeMeta(location, meta);
  return { kind: 'ready', prepared: { attemptCtx, argv: invocation.argv, env, meta, tracking } };
}
