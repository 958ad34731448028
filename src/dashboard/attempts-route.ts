import type { RequestHandler } from 'express';
import { IdSchema, InvalidArgumentError } from '../core/index.js';
import type { Harness } from '../harness/index.js';

function idParam(value: unknown, field: string): string {
  const parsed = IdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(field, `give the ${field.replace('_id', '')}'s id (${typeof value === 'string' ? `\`${value}\` is not one` : 'missing'})`);
  return parsed.data;
}

/**
 * `GET /api/attempts?batch_id=&job_id=&step_id=`: every attempt of a step, oldest first, as
 * its state.json says. No tool lists a step's earlier attempts (the scoreboard names the latest
 * and counts them); the step page shows them all, read-only.
 */
export function attemptsRoute(harness: Harness): RequestHandler {
  return async (req, res) => {
    const batchId = idParam(req.query.batch_id, 'batch_id');
    const jobId = idParam(req.query.job_id, 'job_id');
    const stepId = idParam(req.query.step_id, 'step_id');
    const attempts = await harness.reader.stepAttempts(batchId, jobId, stepId);
    res.set('Cache-Control', 'no-store').json({ attempts: attempts.map((a) => a.state) });
  };
}
