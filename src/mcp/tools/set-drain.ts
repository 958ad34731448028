import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { RunnerHealthSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

const SetDrainInput = z.object({ drain: z.boolean() });

export function registerSetDrain(server: McpServer, harness: Harness): void {
  server.registerTool(
    'set_drain',
    {
      title: 'Drain the runner',
      description:
        'drain: true stops new attempts from starting (ready steps wait) while running ones finish, e.g. before a ' +
        'restart; drain: false lets them start again. Answers the runner’s health.',
      inputSchema: portable(SetDrainInput),
      outputSchema: portable(RunnerHealthSchema),
      annotations: { idempotentHint: true },
    },
    ({ drain }) =>
      answer(async () => {
        const health = await harness.setDrain(drain);
        return toolResult(health, drain ? `Draining; ${health.running} attempts still running.` : 'Not draining; ready steps start again.');
      }),
  );
}
