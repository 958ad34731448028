import { useMemo } from 'preact/hooks';
import type { BatchMeta } from '../../../src/core/batch-meta.js';
import type { BatchScoreboard, StepEntry, SystemScoreboard } from '../../../src/core/scoreboard.js';
import { ActionButton } from '../components/action-button.js';
import { AttentionList, BudgetsPanel, DispatchPanel, RunningList } from '../components/batch-panels.js';
import type { DagStep } from '../components/dag-layout.js';
import { JobCard } from '../components/job-card.js';
import { Legend } from '../components/legend.js';
import { describeCounts } from '../components/statuses.js';
import { StatusBar } from '../components/status-bar.js';
import { formatAge, formatTokens, formatUsd } from '../components/units.js';
import { act, batchMetaUri, batchScoreboardUri, SYSTEM_SCOREBOARD } from '../data/source.js';
import { useLive, useSource } from '../data/use-live.js';

interface Job {
  jobId: string;
  steps: DagStep[];
  /** false until the batch meta is read: a DAG is drawn only then, so it is laid out once. */
  edgesKnown: boolean;
}

/** The jobs as planned (with their edges); before the meta is read, the scoreboard's steps, their edges not known yet. */
function jobsOf(meta: BatchMeta | undefined, board: BatchScoreboard): Job[] {
  if (meta) return meta.jobs.map((j) => ({ jobId: j.job_id, steps: j.steps, edgesKnown: true }));
  const byJob = new Map<string, DagStep[]>();
  for (const step of board.steps) {
    let steps = byJob.get(step.job_id);
    if (!steps) byJob.set(step.job_id, (steps = []));
    steps.push({ step_id: step.step_id, depends_on: [] });
  }
  return [...byJob].map(([jobId, steps]) => ({ jobId, steps, edgesKnown: false }));
}

/** Each job's scoreboard entries by step id, in one pass over the steps. */
function entriesByJob(board: BatchScoreboard): Map<string, Map<string, StepEntry>> {
  const byJob = new Map<string, Map<string, StepEntry>>();
  for (const step of board.steps) {
    let entries = byJob.get(step.job_id);
    if (!entries) byJob.set(step.job_id, (entries = new Map()));
    entries.set(step.step_id, step);
  }
  return byJob;
}

const NO_ENTRIES: ReadonlyMap<string, StepEntry> = new Map();

/**
 * One batch: each job's step DAG coloured by status, what needs attention, what runs, what holds
 * dispatch, budgets, variants side by side; cancel for the batch and each job. Reads only through
 * useSource(), so it renders the same in the dashboard and inside an MCP host.
 */
export function BatchView({ batchId }: { batchId: string }) {
  const source = useSource();
  const boardUri = batchScoreboardUri(batchId);
  const board = useLive((s) => s.readResource<BatchScoreboard>(boardUri), (uri) => uri === boardUri, [boardUri]);
  const data = board.data;
  // The scoreboard first, alone: read side by side, the three answers of a 10,000-step batch
  // share the server's one thread and the first paint waits for all of them. batch_meta.json
  // (only the edges of small jobs' DAGs need it) is written once at submit, so it is read once.
  const boardRead = data !== undefined;
  const meta = useLive((s) => (boardRead ? s.readResource<BatchMeta>(batchMetaUri(batchId)) : Promise.resolve(undefined)), () => false, [batchId, boardRead]);
  const system = useLive(
    (s) => (boardRead ? s.readResource<SystemScoreboard>(SYSTEM_SCOREBOARD) : Promise.resolve(undefined)),
    (uri) => uri === SYSTEM_SCOREBOARD,
    [boardRead],
  );
  const jobs = useMemo(() => (data ? jobsOf(meta.data, data) : []), [meta.data, data?.batch_id]);
  const entries = useMemo(() => (data ? entriesByJob(data) : new Map<string, Map<string, StepEntry>>()), [data]);
  if (board.error && !data) return <p class="error">{board.error.message}</p>;
  if (!data) return <p class="muted">Loading…</p>;

  const variantJobs = new Set(data.variant_groups.flatMap((g) => g.variants));
  const jobById = new Map(jobs.map((j) => [j.jobId, j]));
  const unfinished = data.counts.blocked + data.counts.ready + data.counts.running;
  const card = (job: Job, caption?: string) => (
    <JobCard key={job.jobId} batchId={batchId} jobId={job.jobId} steps={job.steps} edgesKnown={job.edgesKnown} entries={entries.get(job.jobId) ?? NO_ENTRIES} caption={caption} onChanged={board.reload} />
  );
  return (
    <div class="batch-view" data-batch={batchId}>
      <header class="batch-head">
        <div>
          <h1 class="mono">{batchId}</h1>
          <p class="muted">
            Submitted {formatAge(data.submitted_at, Date.parse(data.computed_at))} ago · {data.jobs_total} jobs, {data.steps_total} steps
            {data.settled ? ' · settled' : ''}
          </p>
          <p class="goal" title={data.batch_goal_summary}>
            {data.batch_goal_summary}
          </p>
        </div>
        {unfinished > 0 && (
          <ActionButton
            label="Cancel batch"
            danger
            question={
              <>
                Cancel the {unfinished} unfinished steps of batch <code>{batchId}</code>?
              </>
            }
            run={() => act(source, 'cancel_run', { batch_id: batchId })}
            onDone={board.reload}
          />
        )}
      </header>
      <StatusBar counts={data.counts} />
      <p class="counts">{describeCounts(data.counts)}</p>
      {data.usage && (
        <p class="usage">
          {formatTokens(data.usage.input_tokens)} input ({formatTokens(data.usage.cached_input_tokens)} cached), {formatTokens(data.usage.output_tokens)} output tokens
          {data.usage.cost_usd !== undefined && `, ${formatUsd(data.usage.cost_usd)}`}
        </p>
      )}
      {board.error && <p class="error">Showing older data: {board.error.message}</p>}
      <Legend />
      <AttentionList board={data} />
      <RunningList board={data} />
      <DispatchPanel board={data} runners={system.data?.runners ?? []} />
      <BudgetsPanel board={data} />
      <h2>Jobs</h2>
      {data.variant_groups.map((group) => (
        <section key={group.job_id} class="variants" aria-label={`Variants of ${group.job_id}`} data-variants={group.job_id}>
          <h3>
            Variants of <span class="mono">{group.job_id}</span>
          </h3>
          <div class="variant-columns" style={{ gridTemplateColumns: `repeat(${group.variants.length}, minmax(16rem, 1fr))` }}>
            {group.variants.map((id, i) => {
              const job = jobById.get(id);
              return job ? <div key={id}>{card(job, `variant ${i + 1} of ${group.variants.length}`)}</div> : null;
            })}
          </div>
        </section>
      ))}
      {jobs.filter((j) => !variantJobs.has(j.jobId)).map((job) => card(job))}
    </div>
  );
}
