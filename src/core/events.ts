import { z } from 'zod';

/** One line of an attempt's events.jsonl: the harness's lifecycle events and the agent's own. */
export const AttemptEventSchema = z.looseObject({
  ts: z.string(),
  type: z.string().describe('harness.* for lifecycle events, agent.* for parsed agent events, unparsed'),
});
export type AttemptEvent = z.infer<typeof AttemptEventSchema>;
