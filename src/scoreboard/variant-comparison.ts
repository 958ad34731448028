import { nowIso, secondsBetween, sumUsages, type BatchMeta, type LandedFile, type PlannedJob, type VariantComparison, type VariantRow } from '../core/index.js';
import type { BatchRecord, StepView } from '../batch/index.js';
import { stepKey, type StoredAttempt } from '../store/index.js';
import { rollUpJobStatus } from './job-status.js';

/** The jobs a submitted job runs as (its variants), v1 first; empty when it was not submitted with `variants`. */
export function variantJobs(meta: BatchMeta, jobId: string): PlannedJob[] {
  return meta.jobs.filter((job) => job.variant?.of === jobId).sort((a, b) => a.variant!.index - b.variant!.index);
}

/**
 * The variants of a submitted job side by side, from the batch's files alone. `changes` here is
 * the sum of each step's latest attempt (`source: attempts`); the caller that can read the
 * repository replaces it with the branch's cumulative diff.
 */
export function compareVariants(record: BatchRecord, variants: readonly PlannedJob[], submittedJobId: string): VariantComparison {
  return { batch_id: record.batchId, job_id: submittedJobId, variants: variants.map((job) => variantRow(record, job)) };
}

function variantRow(record: BatchRecord, job: PlannedJob): VariantRow {
  const views = job.steps.map((step) => record.view(job.job_id, step.step_id)).filter((v): v is StepView => v !== undefined);
  const attempts = job.steps.flatMap((step) => record.attempts.get(stepKey(job.job_id, step.step_id)) ?? []);
  const last = views.at(-1)?.latest?.state;
  const usage = sumUsages(attempts.map((a) => a.state.usage));
  return {
    job_id: job.job_id,
    variant: job.variant!.index,
    status: rollUpJobStatus(views),
    branch: job.git?.branch ?? null,
    summary: last?.agent_outcome?.summary ?? null,
    changes: summedChanges(views),
    duration_seconds: durationOf(attempts),
    usage,
    cost_usd: usage?.cost_usd ?? null,
    commands: views.filter((v) => v.step.agent === 'command').map((v) => ({ step_id: v.stepId, status: v.status, exit_code: v.latest?.state.exit_code ?? null })),
    landed: newestLanding(record.landed.get(job.job_id)),
  };
}

function summedChanges(views: readonly StepView[]): VariantRow['changes'] {
  const recorded = views.flatMap((v) => (v.latest?.state.changes ? [v.latest.state.changes] : []));
  if (recorded.length === 0) return null;
  const sum = (key: 'files' | 'lines_added' | 'lines_removed') => recorded.reduce((n, c) => n + c[key], 0);
  return { files: sum('files'), lines_added: sum('lines_added'), lines_removed: sum('lines_removed'), source: 'attempts' };
}

/** Wall-clock span of the job's attempts: a variant that retried a step took the retry's time too. */
function durationOf(attempts: readonly StoredAttempt[]): number | null {
  const starts = attempts.flatMap((a) => (a.state.started_at ? [a.state.started_at] : [])).sort();
  if (starts.length === 0) return null;
  const running = attempts.some((a) => a.state.started_at && !a.state.ended_at);
  const end = running ? nowIso() : attempts.flatMap((a) => (a.state.ended_at ? [a.state.ended_at] : [])).sort().at(-1)!;
  return Math.max(0, secondsBetween(starts[0]!, end));
}

function newestLanding(file: LandedFile | undefined): VariantRow['landed'] {
  const last = file?.landings.at(-1);
  return last ? { onto: last.onto, result: last.result, commit: last.commit, landed_at: last.landed_at } : null;
}
