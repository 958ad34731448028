import { z } from 'zod';
import { ChangeTotalsSchema } from './changes.js';
import { IdSchema } from './ids.js';

/**
 * branch.json of an isolated git job: the job's change as a whole, `base..branch` (the commit
 * base_ref named at submit to the branch's tip), rewritten after each snapshot that moves the
 * branch. The scoreboard reads it, since it runs no git; get_changes asks git for the tip again.
 */
export const BranchChangeSchema = z.strictObject({
  batch_id: IdSchema,
  job_id: IdSchema,
  repository: z.string().describe('The git directory the branch is in'),
  branch: z.string().describe('harness/<batch_id>/<job_id>'),
  base: z.string().describe('The commit base_ref named at submit'),
  head: z.string().describe('The branch tip after the last snapshot'),
  ...ChangeTotalsSchema.shape,
  written_at: z.iso.datetime(),
});
export type BranchChange = z.infer<typeof BranchChangeSchema>;
