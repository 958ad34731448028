import { z } from 'zod';
import { IdSchema } from './ids.js';

export const LandStrategySchema = z.enum(['merge', 'squash', 'rebase']);
export const LandResultSchema = z
  .enum(['fast_forward', 'merge', 'squash', 'rebase', 'up_to_date'])
  .describe('up_to_date: the target already had the branch (or its changes); the ref did not move');

/** One landing of a job's branch, as recorded once the target ref moved (or was found up to date). */
export const LandingSchema = z.strictObject({
  onto: z.string().describe('The branch landed onto, a short name such as `main`'),
  strategy: LandStrategySchema,
  result: LandResultSchema,
  commit: z.string().describe('The tip of `onto` after the landing'),
  old_commit: z.string().nullable().describe('The tip of `onto` before; null when the landing created it'),
  branch_commit: z.string().describe("The tip of the job's branch that was landed"),
  created: z.boolean().describe('`onto` did not exist and was made at the job’s base commit'),
  checkout_updated: z.string().nullable().describe('The work tree that had `onto` checked out and moved along with it'),
  landed_at: z.iso.datetime(),
});
export type Landing = z.infer<typeof LandingSchema>;

/** landed.json of a job: every landing of its branch, newest last. Absent until the first. */
export const LandedFileSchema = z.strictObject({
  batch_id: IdSchema,
  job_id: IdSchema,
  branch: z.string().describe("The job's branch, harness/<batch_id>/<job_id>"),
  repository: z.string().describe('The source repository it was landed in'),
  landings: z.array(LandingSchema).min(1).describe('Newest last'),
});
export type LandedFile = z.infer<typeof LandedFileSchema>;

/** A job's newest landing as the batch scoreboard lists it. */
export const LandedEntrySchema = z.strictObject({
  job_id: IdSchema,
  onto: z.string(),
  strategy: LandStrategySchema,
  result: LandResultSchema,
  commit: z.string(),
  landed_at: z.iso.datetime(),
  landings: z.int().min(1).describe('How many times the job was landed (landed.json has each)'),
});

/** What the system scoreboard says of landings: how many, and the newest few. */
export const SystemLandingsSchema = z.strictObject({
  jobs_landed: z.int().min(0).describe('Jobs of every batch whose branch was landed at least once'),
  recent: z
    .array(z.strictObject({ batch_id: IdSchema, job_id: IdSchema, onto: z.string(), commit: z.string(), landed_at: z.iso.datetime() }))
    .describe('The newest landings, newest first, up to 5'),
});
