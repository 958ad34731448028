import { nowIso, type AttemptMeta, type AttemptState } from '../core/index.js';
import type { AgentEvent } from '../agents/index.js';
import { runProcess, type ProcessOutcome } from '../process/index.js';
import { StuckReason } from './abort-reasons.js';
import { BudgetWatch } from './budget-watch.js';
import { UsagePoll } from './usage-poll.js';
import { attemptUsage, initialObserved, observeAgentEvent, type Observed } from './observed.js';
import type { PreparedAttempt } from './prepare-attempt.js';
import type { AttemptUnderWay, RunnerContext } from './runner-context.js';

/** How the agent process ended, and what its event stream said on the way. */
export interface RunResult {
  outcome: ProcessOutcome;
  observed: Observed;
  /** Why the attempt was stopped for going over a budget, if it was. */
  budgetStop: string | null;
}

/**
 * Spawns the prepared command and follows it to its exit: running in state.json once it has a
 * pid, a heartbeat while it shows activity, output and agent events streamed to files, the
 * thread id in state.json and meta.json once the agent names it, and a stuck kill noted in
 * meta.json. Every write it causes is done when it resolves.
 */
export async function runAndObserve(ctx: RunnerContext, attempt: AttemptUnderWay, prepared: PreparedAttempt): Promise<RunResult> {
  const { job, events, writer } = attempt;
  const { location, step } = job;
  const { attemptCtx, meta } = prepared;
  const observed = initialObserved(job.resume);
  events.append('harness.attempt.spawning', { argv: meta.argv, cwd: attemptCtx.cwd });

  // Writes that follow the process (running, heartbeats, thread id, meta.json) are chained in order.
  let pending: Promise<void> = Promise.resolve();
  const enqueueState = (make: () => AttemptState | undefined, durable = true) => {
    pending = pending
      .then(() => {
        const next = make();
        return next ? writer.write(next, durable) : undefined;
      })
      .catch((error: Error) => {
        events.append('harness.state_write_failed', { message: error.message });
      });
  };
  const enqueueMeta = (next: AttemptMeta) => {
    pending = pending.then(() => ctx.files.writeMeta(location, next)).catch(() => undefined);
  };

  // Usage is written to state.json as it comes (not durably, like a heartbeat), so every view and
  // every budget over the attempt counts what it has spent so far.
  const watch = new BudgetWatch(ctx.budgets, events);
  const live = (): AttemptState => ({ ...writer.state, usage: attemptUsage(observed, job.resume) ?? writer.state.usage, thread_usage: observed.threadUsage ?? writer.state.thread_usage });
  // An agent that stopped itself at its budget is ending already, saying so: it is not stopped again.
  const checkBudget = () => {
    if (!observed.agentBudgetStop) watch.check(live());
  };
  const onUsage = () => {
    checkBudget();
    enqueueState(() => (writer.state.status === 'running' ? live() : undefined), false);
  };

  const onAgentEvent = (event: AgentEvent) => {
    observeAgentEvent(observed, event, job.resume);
    if (event.kind === 'session') {
      enqueueState(() => ({ ...writer.state, thread_id: event.threadId }));
      enqueueMeta({ ...meta, thread_id: event.threadId });
    }
    if (event.kind === 'usage') onUsage();
  };

  // An agent that writes usage beside its output (codex's rollout) is read on every output line
  // and heartbeat tick; see docs/spec.md §5 "Budgets" for why not a file watch.
  const follower = job.adapter.usageFollower ? await job.adapter.usageFollower(attemptCtx) : null;
  const usagePoll = new UsagePoll(follower, onAgentEvent, (error) => events.append('harness.usage.follow_failed', { message: error.message }));

  let activitySinceBeat = false;
  const beat = setInterval(() => {
    usagePoll.poll();
    checkBudget(); // wall time grows without any event
    if (!activitySinceBeat) return;
    activitySinceBeat = false;
    enqueueState(() => (writer.state.status === 'running' ? { ...writer.state, last_heartbeat_at: nowIso(), current_item: observed.currentItem } : undefined), false);
  }, ctx.heartbeatIntervalMs);

  const onStuck = () => {
    if (!(job.signal.reason instanceof StuckReason)) return;
    const lastActivityAt = job.signal.reason.lastActivityAt;
    events.append('harness.attempt.stuck_killed', { last_activity_at: lastActivityAt });
    enqueueMeta({ ...meta, thread_id: observed.threadId, remediation: { kind: 'stuck_killed', at: nowIso(), last_activity_at: lastActivityAt } });
  };
  job.signal.addEventListener('abort', onStuck, { once: true });

  const parseLine = job.adapter.lineParser?.() ?? null;
  const outcome = await runProcess({
    argv: prepared.argv,
    cwd: attemptCtx.cwd,
    env: prepared.env,
    stdoutPath: ctx.paths.artifactFile(location, 'stdout'),
    stderrPath: ctx.paths.artifactFile(location, 'stderr'),
    timeoutMs: step.timeout_seconds * 1000,
    killGraceMs: ctx.killGraceMs,
    signal: AbortSignal.any([job.signal, watch.signal]),
    onSpawn: (pid) => {
      const now = nowIso();
      events.append('harness.attempt.running', { pid });
      enqueueState(() => ({ ...writer.state, status: 'running', pid, runner_id: ctx.runnerId, started_at: now, last_heartbeat_at: now }));
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
          usagePoll.poll();
        }
      : undefined,
  }).finally(() => {
    clearInterval(beat);
    watch.close();
  });
  await usagePoll.last();
  await pending;
  events.append('harness.attempt.exited', { exit_code: outcome.exitCode, signal: outcome.signal, timed_out: outcome.timedOut, canceled: outcome.canceled });
  return { outcome, observed, budgetStop: watch.stopReason };
}
