import {
  secondsBetween,
  StepStatusSchema,
  type BatchMeta,
  type BatchScoreboard,
  type StepCounts,
  sumUsages,
  type AgentName,
  type StepEntry,
  type Usage,
  type LandedFile,
  type BranchChange,
} from '../core/index.js';
import type { StepView } from '../batch/index.js';
import type { RunsPaths, StoredAttempt } from '../store/index.js';
import { landedEntries } from './landings.js';

export interface ScoreboardOptions {
  paths: RunsPaths;
  now: string;
  staleAfterSeconds: number;
  listLimit: number;
  /** One page of `steps`, or every step (the file on disk holds them all). */
  page: { offset: number; size: number } | 'all';
  /** Why the runner starts no new attempts now, if so. */
  dispatchPaused: string | null;
  /** landed.json of each landed job, by job id. */
  landed: ReadonlyMap<string, LandedFile>;
  /** branch.json of each isolated git job that has one, in the batch's job order. */
  branchChanges: BranchChange[];
}

export function emptyCounts(): StepCounts {
  return Object.fromEntries(StepStatusSchema.options.map((s) => [s, 0])) as StepCounts;
}

export function countSteps(views: Iterable<StepView>): StepCounts {
  const counts = emptyCounts();
  for (const view of views) counts[view.status]++;
  return counts;
}

/** Settled: nothing is running and nothing will start without a person. */
export function isSettled(counts: StepCounts): boolean {
  return counts.running === 0 && counts.ready === 0;
}

function capped<T>(items: T[], limit: number): { total: number; items: T[] } {
  return { total: items.length, items: items.slice(0, limit) };
}

/**
 * The batch scoreboard of docs/spec.md §7, from batch_meta.json and the attempts' state.json only.
 * Every list is cut to `listLimit` entries and says how many there were in all.
 */
export function buildBatchScoreboard(meta: BatchMeta, views: Map<string, StepView>, allAttempts: Iterable<StoredAttempt>, options: ScoreboardOptions): BatchScoreboard {
  const { paths, now } = options;
  const all = [...views.values()];
  const counts = countSteps(all);
  const ref = (v: StepView) => ({ job_id: v.jobId, step_id: v.stepId });

  const running = all.filter((v) => v.status === 'running' && v.latest);
  const isStuck = (v: StepView) => {
    const beat = v.latest!.state.last_heartbeat_at ?? v.latest!.state.started_at;
    return beat !== undefined && secondsBetween(beat, now) > options.staleAfterSeconds;
  };
  const attentionOf = (kind: 'stuck' | 'needs_attention' | 'failed', list: StepView[]) =>
    list.map((v) => ({
      ...ref(v),
      kind,
      run_id: v.latest!.state.run_id,
      failure_reason: v.latest!.state.failure_reason,
      message: kind === 'stuck' ? `no activity for over ${options.staleAfterSeconds} s` : v.latest!.state.message,
    }));
  const attention = [
    ...attentionOf('stuck', running.filter(isStuck)),
    ...attentionOf('needs_attention', all.filter((v) => v.status === 'needs_attention' && v.latest)),
    ...attentionOf('failed', all.filter((v) => v.status === 'failed' && v.latest)),
  ];

  const failures = all
    .filter((v) => (v.status === 'failed' || v.status === 'needs_attention') && v.latest)
    .map((v) => {
      const s = v.latest!.state;
      return {
        ...ref(v),
        run_id: s.run_id,
        attempt: s.attempt,
        host_outcome: { status: s.status, exit_code: s.exit_code, failure_reason: s.failure_reason, message: s.message },
        agent_outcome: s.agent_outcome,
      };
    });

  const failureGroups = groupFailures(failures, options.listLimit);

  const resumes = all
    .filter((v) => v.latest?.state.resumed_from)
    .map((v) => ({ ...ref(v), run_id: v.latest!.state.run_id, resumed_from: v.latest!.state.resumed_from! }));

  // Only the page asked for is turned into entries: a summary of 10,000 steps builds none.
  const page = options.page === 'all' ? { offset: 0, size: all.length } : options.page;
  const end = page.offset + page.size;
  const variantOf = new Map(meta.jobs.map((job) => [job.job_id, job.variant]));
  const steps: StepEntry[] = all.slice(page.offset, end).map((v) => {
    const variant = variantOf.get(v.jobId);
    const changes = v.latest?.state.changes;
    return {
      ...ref(v),
      status: v.status,
      run_id: v.latest?.state.run_id ?? null,
      attempts: v.attempts,
      blocked_reasons: v.status === 'blocked' ? v.blocked.reasons : [],
      retry_at: v.status === 'ready' ? v.retryAt : null,
      ...(variant && { variant_of: variant.of, variant: variant.index }),
      // Only a change that touched files: most steps of a big batch of commands change nothing, and
      // 56 bytes of zeros on each of a page of 200 would be 11 KB of answer (get_changes tells an
      // empty recorded change from none).
      ...(changes && changes.files > 0 && { changes: { files: changes.files, lines_added: changes.lines_added, lines_removed: changes.lines_removed } }),
    };
  });

  return {
    batch_id: meta.batch_id,
    submitted_at: meta.submitted_at,
    computed_at: now,
    batch_goal_summary: meta.batch_goal_summary,
    runs_root: paths.root,
    jobs_total: meta.jobs.length,
    steps_total: all.length,
    heartbeat_stale_after_seconds: options.staleAfterSeconds,
    settled: isSettled(counts),
    counts,
    attention: capped(attention, options.listLimit),
    running: capped(
      running.map((v) => {
        const s = v.latest!.state;
        return {
          ...ref(v),
          run_id: s.run_id,
          runner_id: s.runner_id,
          attempt_dir: paths.relative(paths.attemptDir(v.latest!.location)),
          current_item: s.current_item,
          last_heartbeat_at: s.last_heartbeat_at,
          seconds_since_last_heartbeat: s.last_heartbeat_at ? secondsBetween(s.last_heartbeat_at, now) : null,
          started_at: s.started_at!,
          run_duration_seconds: secondsBetween(s.started_at!, now),
        };
      }),
      options.listLimit,
    ),
    blocked: capped(
      all.filter((v) => v.status === 'blocked').map((v) => ({ ...ref(v), reasons: v.blocked.reasons, final: v.blocked.forGood })),
      options.listLimit,
    ),
    failures: capped(failures, options.listLimit),
    failure_groups: failureGroups,
    resumes: capped(resumes, options.listLimit),
    ...usageOf(meta, allAttempts),
    dispatch_paused: options.dispatchPaused,
    job_changes: capped(
      options.branchChanges.map((b) => ({ job_id: b.job_id, branch: b.branch, base: b.base, head: b.head, files: b.files, lines_added: b.lines_added, lines_removed: b.lines_removed })),
      options.listLimit,
    ),
    variant_groups: variantGroups(meta),
    landed: landedEntries(meta.jobs.map((j) => j.job_id), options.landed, options.listLimit),
    steps,
    next_cursor: end < all.length ? String(end) : null,
  };
}

/** The jobs submitted with `variants`, each with the jobs it was planned as (planBatch keeps them together, v1 first). */
function variantGroups(meta: BatchMeta): BatchScoreboard['variant_groups'] {
  const groups = new Map<string, string[]>();
  for (const job of meta.jobs) {
    if (!job.variant) continue;
    const group = groups.get(job.variant.of);
    if (group) group.push(job.job_id);
    else groups.set(job.variant.of, [job.job_id]);
  }
  return [...groups].map(([jobId, variants]) => ({ job_id: jobId, variants }));
}

const GROUP_EXAMPLES = 5;

/** Failures that share a reason and a first message line: fifty agents failing alike are one line. */
function groupFailures(failures: BatchScoreboard['failures']['items'], limit: number): BatchScoreboard['failure_groups'] {
  const groups = new Map<string, BatchScoreboard['failure_groups'][number]>();
  for (const f of failures) {
    const message = f.host_outcome.message?.split('\n')[0]?.slice(0, 200) ?? null;
    const key = `${f.host_outcome.failure_reason}\0${message}`;
    const group = groups.get(key) ?? { failure_reason: f.host_outcome.failure_reason, message, count: 0, examples: [] };
    group.count++;
    if (group.examples.length < GROUP_EXAMPLES) group.examples.push({ job_id: f.job_id, step_id: f.step_id, run_id: f.run_id });
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count).slice(0, limit);
}

/** Usage over every attempt, and per agent (the agent of each attempt's step). */
function usageOf(meta: BatchMeta, attempts: Iterable<StoredAttempt>): Pick<BatchScoreboard, 'usage' | 'usage_by_agent'> {
  // Built on the first attempt with usage: a batch of commands (most of a large one) needs none.
  let agentOf: Map<string, AgentName> | undefined;
  const byAgent = new Map<AgentName, Usage[]>();
  const all: Usage[] = [];
  for (const { location, state } of attempts) {
    if (!state.usage) continue;
    agentOf ??= new Map(meta.jobs.flatMap((job) => job.steps.map((step) => [`${job.job_id}/${step.step_id}`, step.agent] as const)));
    const agent = agentOf.get(`${location.jobId}/${location.stepId}`);
    if (!agent) continue;
    all.push(state.usage);
    const usages = byAgent.get(agent);
    if (usages) usages.push(state.usage);
    else byAgent.set(agent, [state.usage]);
  }
  return { usage: sumUsages(all), usage_by_agent: Object.fromEntries([...byAgent].map(([agent, usages]) => [agent, sumUsages(usages)!])) };
}
