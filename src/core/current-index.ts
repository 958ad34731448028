import { z } from 'zod';
import { IdSchema, RunIdSchema } from './ids.js';
import { AttemptStatusSchema } from './attempt-state.js';

export const AttemptPointerSchema = z.strictObject({
  run_id: RunIdSchema,
  attempt_dir: z.string().describe('Relative to the runs root'),
  resume_base_dir: z.string().nullable().describe('Frozen session store, relative to the runs root'),
  thread_id: z.string().nullable(),
  status: AttemptStatusSchema,
});
export type AttemptPointer = z.infer<typeof AttemptPointerSchema>;

/** current.json: a job's small mutable index of its latest attempts (docs/spec.md §4.1). */
export const CurrentIndexSchema = z.strictObject({
  batch_id: IdSchema,
  job_id: IdSchema,
  updated_at: z.iso.datetime(),
  steps: z.record(
    IdSchema,
    z.strictObject({ latest: AttemptPointerSchema.nullable(), latest_successful: AttemptPointerSchema.nullable() }),
  ),
});
export type CurrentIndex = z.infer<typeof CurrentIndexSchema>;
