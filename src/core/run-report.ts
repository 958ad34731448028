import { z } from 'zod';

export const AgentOutcomeStatusSchema = z.enum(['success', 'failure', 'blocked']);
export type AgentOutcomeStatus = z.infer<typeof AgentOutcomeStatusSchema>;

/** The run report an agent gives when its step names no output_schema (docs/spec.md §4.1). */
export const DefaultRunReportSchema = z.looseObject({
  status: AgentOutcomeStatusSchema,
  summary: z.string(),
});

export const AgentOutcomeSchema = z.strictObject({
  status: AgentOutcomeStatusSchema.nullable().describe('The report’s status, when it has one'),
  summary: z.string().nullable().describe('The report’s summary, truncated'),
});
export type AgentOutcome = z.infer<typeof AgentOutcomeSchema>;

export const UsageSchema = z.strictObject({
  input_tokens: z.int().min(0),
  cached_input_tokens: z.int().min(0),
  output_tokens: z.int().min(0),
  cost_usd: z.number().min(0).optional().describe('What the agent says the tokens cost, in US dollars, when it says (claude)'),
});
export type Usage = z.infer<typeof UsageSchema>;
