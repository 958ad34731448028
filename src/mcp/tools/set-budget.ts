import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { BudgetOverrideSchema, BudgetSchema, IdSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

export const SetBudgetInput = z.object({
  batch_id: IdSchema,
  job_id: IdSchema.optional().describe('The job whose budget to set; without it, the batch’s'),
  step_id: IdSchema.optional().describe('The step (of job_id) whose budget to set'),
  ...BudgetOverrideSchema.shape,
});

export const SetBudgetOutput = z.object({
  level: z.enum(['batch', 'job', 'step']),
  budget: BudgetSchema.nullable().describe('The level’s budget now; null: no limit'),
  held_before: z.int().min(0).describe('Steps of the batch a spent budget held before the change'),
  held_after: z.int().min(0).describe('Steps it holds now; the others start as slots free'),
});

export function registerSetBudget(server: McpServer, harness: Harness): void {
  server.registerTool(
    'set_budget',
    {
      title: 'Set a budget',
      description:
        'Sets the limits of the budget of a batch, one of its jobs (job_id) or one of its steps (job_id and step_id): ' +
        'a number sets a limit, null removes it, a limit left out stays. Steps held because a budget was spent ' +
        '(budget_exhausted) start once no budget over them is. Kept in the batch’s budgets.json, across restarts.',
      inputSchema: portable(SetBudgetInput),
      outputSchema: portable(SetBudgetOutput),
      annotations: { destructiveHint: false, idempotentHint: true },
    },
    (args) =>
      answer(async () => {
        const result = await harness.setBudget(args);
        const released = result.held_before - result.held_after;
        const level = args.step_id ? `step ${args.job_id}/${args.step_id}` : args.job_id ? `job ${args.job_id}` : `batch ${args.batch_id}`;
        const text = `Budget of ${level}: ${result.budget ? JSON.stringify(result.budget) : 'no limit'}; ${released > 0 ? `${released} held step(s) released, ` : ''}${result.held_after} held.`;
        return toolResult(result, text);
      }),
  );
}
