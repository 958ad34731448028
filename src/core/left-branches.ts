import { z } from 'zod';
import { IdSchema } from './ids.js';

/** _system/branches_left.json: the job branches of batches GC removed, kept for `gc --prune-branches`. */
export const LeftBranchesSchema = z.strictObject({
  branches: z.array(
    z.strictObject({
      repository: z.string(),
      branch: z.string(),
      batch_id: IdSchema,
      job_id: IdSchema,
      left_at: z.iso.datetime(),
    }),
  ),
});
export type LeftBranches = z.infer<typeof LeftBranchesSchema>;
