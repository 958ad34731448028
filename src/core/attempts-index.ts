import { z } from 'zod';
import { AttemptStateSchema, isTerminal } from './attempt-state.js';
import { IdSchema } from './ids.js';

/**
 * <batch>/attempts_index.json: the state of every attempt of a settled batch in one file, so a
 * restart reads one file per batch instead of every attempt directory. A derived cache: written
 * when the batch settles, removed before the batch gets a new attempt, safe to delete.
 */
export const AttemptsIndexSchema = z
  .strictObject({
    batch_id: IdSchema,
    written_at: z.iso.datetime(),
    attempts: z.array(
      z.strictObject({
        dir_name: z.string().describe('The attempt directory’s name under <batch>/<job>/<step>/'),
        state: AttemptStateSchema,
      }),
    ),
  })
  .superRefine((index, ctx) => {
    index.attempts.forEach((a, i) => {
      if (!isTerminal(a.state.status)) ctx.addIssue({ code: 'custom', path: ['attempts', i, 'state', 'status'], message: 'an indexed attempt is terminal' });
      if (a.state.batch_id !== index.batch_id) ctx.addIssue({ code: 'custom', path: ['attempts', i, 'state', 'batch_id'], message: `not of batch ${index.batch_id}` });
    });
  });
export type AttemptsIndex = z.infer<typeof AttemptsIndexSchema>;
