import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { RunnerHealthSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

const SetDrainInput = z.object({
  drain: z.boolean(),
  runner_id: z.string().optional().describe('One worker of the distributed mode (as the system scoreboard lists it) instead of the whole runs root'),
});

export function registerSetDrain(server: McpServer, harness: Harness): void {
  server.registerTool(
    'set_drain',
    {
      title: 'Drain the runner',
      description:
        'drain: true stops new attempts from starting (ready steps wait) while running ones finish, e.g. before a ' +
        'restart; drain: false lets them start again. With runner_id, only that worker of the distributed mode takes no new ' +
        'attempts (it follows within runners.health_interval_seconds). Answers the runner’s health.',
      inputSchema: portable(SetDrainInput),
      outputSchema: portable(RunnerHealthSchema),
      annotations: { idempotentHint: true },
    },
    ({ drain, runner_id }) =>
      answer(async () => {
        if (runner_id !== undefined) {
          const health = await harness.setWorkerDrain(runner_id, drain);
          const follows = `it follows within ${harness.configFile.runners.health_interval_seconds} s; its health as it last wrote it`;
          return toolResult(health, drain ? `Draining worker ${runner_id}: it takes no new attempts (${follows}).` : `Worker ${runner_id} takes attempts again (${follows}).`);
        }
        const health = await harness.setDrain(drain);
        return toolResult(health, drain ? `Draining; ${health.running} attempts still running.` : 'Not draining; ready steps start again.');
      }),
  );
}
