import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema, JobStatusSchema, LandingSchema, LandStrategySchema } from '../../core/index.js';
import type { Harness, LandJobAnswer } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

export const LandJobInput = z.object({
  batch_id: IdSchema,
  job_id: IdSchema.describe('The job whose branch to land; for a variant, its own id such as `try.v2`'),
  onto: z.string().min(1).describe('The branch of the source repository to land onto, such as `main`'),
  strategy: LandStrategySchema.optional().describe('merge (default: a fast-forward when possible, else a merge commit), squash (one commit), or rebase (the job’s commits replayed)'),
  message: z.string().min(1).optional().describe('The message of a merge or squash commit (default: one naming the branch)'),
  dry_run: z.boolean().optional().describe('Say what would happen (fast-forward, merge, conflicts) and change nothing'),
  create: z.boolean().optional().describe('Make `onto` at the job’s base commit when it does not exist'),
});

export const LandJobOutput = z.object({
  batch_id: IdSchema,
  job_id: IdSchema,
  branch: z.string().describe("The job's branch"),
  job_status: JobStatusSchema.describe('The job’s steps rolled up: a job whose steps failed may be landed too'),
  dry_run: z.boolean(),
  ...LandingSchema.omit({ landed_at: true }).shape,
  landed_at: z.string().nullable().describe('When it was recorded in landed.json; null for a dry run, which records nothing'),
});

export function registerLandJob(server: McpServer, harness: Harness): void {
  server.registerTool(
    'land_job',
    {
      title: 'Land a job',
      description:
        "Puts a job's branch (harness/<batch_id>/<job_id>) onto a branch of its source repository, computed without a work " +
        'tree and moved by compare-and-swap; a clean checkout of that branch moves along. Refused, with nothing changed, on ' +
        'conflicts (paths listed), a dirty checkout, a missing branch (create: true makes it), or while a step of the job can still run. ' +
        'dry_run: true says what would happen. Recorded in the job’s landed.json and on the scoreboards.',
      inputSchema: portable(LandJobInput),
      outputSchema: portable(LandJobOutput),
      annotations: { destructiveHint: false, idempotentHint: true },
    },
    (args) =>
      answer(async () => {
        const result = await harness.land({
          batch_id: args.batch_id,
          job_id: args.job_id,
          onto: args.onto,
          strategy: args.strategy ?? 'merge',
          message: args.message,
          dry_run: args.dry_run ?? false,
          create: args.create ?? false,
        });
        return toolResult({ ...result }, `${describeLanding(result).join('; ')}.`);
      }),
  );
}

/** A landing in words, a line each: what happened (or would), and where the branch is now (harness-mcp land prints these). */
export function describeLanding(r: Pick<LandJobAnswer, 'dry_run' | 'result' | 'branch' | 'onto' | 'commit' | 'old_commit' | 'created' | 'checkout_updated' | 'job_status'>): string[] {
  const lines: string[] = [];
  const would = r.dry_run ? 'would ' : '';
  if (r.result === 'up_to_date') lines.push(`${r.onto} already has ${r.branch}: nothing to land`);
  else lines.push(`${r.branch} ${r.dry_run ? 'would land' : 'landed'} on ${r.onto} (${r.result.replace('_', '-')})`);
  if (r.created) lines.push(`${r.onto} ${would}${r.dry_run ? 'be ' : 'was '}created at the job's base commit`);
  lines.push(`${r.onto}: ${r.old_commit ? `${r.old_commit.slice(0, 12)} → ` : ''}${r.commit.slice(0, 12)}`);
  if (r.checkout_updated) lines.push(`checkout ${r.checkout_updated} ${r.dry_run ? 'would move' : 'moved'} along`);
  if (r.job_status !== 'succeeded') lines.push(`note: the job is ${r.job_status}`);
  if (r.dry_run) lines.push('dry run: nothing changed');
  return lines;
}
