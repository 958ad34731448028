import { z } from 'zod';
import { IdSchema, RunIdSchema } from './ids.js';

/** The statuses of the MCP tasks extension (io.modelcontextprotocol/tasks); the last three are terminal. */
export const McpTaskStatusSchema = z.enum(['working', 'input_required', 'completed', 'failed', 'cancelled']);
export type McpTaskStatus = z.infer<typeof McpTaskStatusSchema>;

export function isTaskTerminal(status: McpTaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export const TASK_ID_PATTERN = /^[0-9a-f]{32}$/;

/** What a task waits for, enough to take the wait up again after a restart. */
export const McpTaskWorkSchema = z.discriminatedUnion('tool', [
  z.strictObject({ tool: z.literal('run_batch'), batch_id: IdSchema, deduplicated: z.boolean() }),
  z.strictObject({
    tool: z.literal('wait_for_batch'),
    batch_id: IdSchema,
    detail: z.enum(['summary', 'full']),
    until: z.iso.datetime().nullable().describe('When the wait gives up (timeout_seconds); null: when the batch settles'),
  }),
  z.strictObject({
    tool: z.literal('retry_step'),
    batch_id: IdSchema,
    job_id: IdSchema,
    step_ids: z.array(IdSchema).min(1).describe('The step retried and the steps its cascade runs again'),
    run_ids: z.array(RunIdSchema).min(1).describe('The attempts retry_step queued'),
  }),
]);
export type McpTaskWork = z.infer<typeof McpTaskWorkSchema>;

/**
 * One task of the MCP tasks extension as the server keeps it (runs/_system/tasks/<task_id>.json),
 * written before the answer that names it is sent. A task ended is kept until `ttl_ms` after
 * `created_at`; one still working is kept (ttl_ms null) however long its batch runs.
 */
export const McpTaskRecordSchema = z.strictObject({
  task_id: z.string().regex(TASK_ID_PATTERN),
  work: McpTaskWorkSchema,
  status: McpTaskStatusSchema,
  status_message: z.string().max(2000).optional(),
  created_at: z.iso.datetime(),
  last_updated_at: z.iso.datetime(),
  ttl_ms: z.int().min(0).nullable(),
  poll_interval_ms: z.int().min(1),
  cancel_requested: z.boolean().describe('tasks/cancel came; the work stops at its next look'),
  result: z.record(z.string(), z.unknown()).optional().describe('The CallToolResult, once completed'),
  error: z.strictObject({ code: z.int(), message: z.string() }).optional().describe('The JSON-RPC error, once failed'),
});
export type McpTaskRecord = z.infer<typeof McpTaskRecordSchema>;
