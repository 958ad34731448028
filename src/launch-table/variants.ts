import { idProblem, type PlannedJob } from '../core/index.js';
import type { JobDraft } from './table-draft.js';

/** Replaced by the variant's number in the prompts of a variant job; left as written in any other job. */
export const VARIANT_PLACEHOLDER = '{{variant}}';

/** The id of variant `index` (from 1) of job `jobId`: `fix` → `fix.v2`. */
export function variantJobId(jobId: string, index: number): string {
  return `${jobId}.v${index}`;
}

/** A problem of a job's `variants`, at a path below the job. */
export interface VariantProblem {
  at: PropertyKey[];
  message: string;
}

/**
 * Why a job's `variants` cannot be planned: each variant runs in its own isolated workspace, so an
 * explicit `shared` contradicts it, and every variant's id must be an id (at most 64 characters).
 * A malformed `variants` is the schema's to report.
 */
export function variantProblems(job: JobDraft): VariantProblem[] {
  const count = job.fields.variants;
  if (count === undefined) return [];
  const problems: VariantProblem[] = [];
  if (job.fields.workspace_policy === 'shared') {
    problems.push({
      at: ['variants'],
      message: `runs each of the ${count} variants in its own isolated workspace, but the job asks for workspace_policy \`shared\`; drop workspace_policy or set it to \`isolated\``,
    });
  }
  const jobId = job.fields.job_id;
  const last = jobId === undefined ? undefined : variantJobId(jobId, count);
  const problem = last === undefined ? undefined : idProblem(last);
  if (problem) problems.push({ at: ['job_id'], message: `with variants: ${count}, the last variant's id \`${last}\` ${problem}; shorten the job id` });
  return problems;
}

/** How many jobs the table plans once every job with `variants` counts as that many. */
export function plannedJobCount(jobs: readonly (JobDraft | undefined)[]): number {
  return jobs.reduce((sum, job) => sum + (job?.fields.variants ?? 1), 0);
}

/**
 * The ids that the table's jobs with `variants` expand into, so that a job the user named like
 * one (`fix.v1` beside `fix` with variants) is refused rather than sharing its directory. Folded
 * to lower case, as job ids collide by case too (IdScope).
 */
export class VariantIds {
  private readonly byFolded = new Map<string, { of: string; index: number; count: number; jobIndex: number }>();

  constructor(jobs: readonly (JobDraft | undefined)[]) {
    for (const [jobIndex, job] of jobs.entries()) {
      const of = job?.fields.job_id;
      const count = job?.fields.variants;
      if (of === undefined || count === undefined) continue;
      for (let index = 1; index <= count; index++) this.byFolded.set(variantJobId(of, index).toLowerCase(), { of, index, count, jobIndex });
    }
  }

  /** Why `jobId` cannot be the id of a job: it is, but for case perhaps, the id of another job's variant. */
  collision(jobId: string): string | undefined {
    const variant = this.byFolded.get(jobId.toLowerCase());
    if (!variant) return undefined;
    const id = variantJobId(variant.of, variant.index);
    const whose = `variant ${variant.index} of jobs[${variant.jobIndex}] (\`${variant.of}\`, variants: ${variant.count})`;
    const clash = jobId === id ? `\`${jobId}\` is the id of ${whose}` : `\`${jobId}\` differs only by case from \`${id}\`, the id of ${whose}, and ids name directories, which a case-insensitive filesystem would share`;
    return `${clash}; rename one of the two jobs`;
  }
}

/**
 * Job `job` planned as `count` variants: the same steps, each variant in its own isolated
 * workspace, with HARNESS_VARIANT in every step's environment and `{{variant}}` in its prompts
 * replaced by its number. `depends_on` and `resume_from` name steps of the same job, so they
 * hold as they are in every variant.
 */
export function expandVariants(job: PlannedJob, count: number): PlannedJob[] {
  return Array.from({ length: count }, (_, i) => {
    const index = String(i + 1);
    return {
      ...job,
      job_id: variantJobId(job.job_id, i + 1),
      workspace_policy: 'isolated',
      variant: { of: job.job_id, index: i + 1, count },
      steps: job.steps.map((step) => ({
        ...step,
        prompt: step.prompt === null ? null : step.prompt.replaceAll(VARIANT_PLACEHOLDER, index),
        env: { ...step.env, HARNESS_VARIANT: index },
      })),
    };
  });
}
