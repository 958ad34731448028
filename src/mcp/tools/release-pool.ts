import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AgentNameSchema, PoolHealthSchema, PoolParkSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';

const ReleasePoolOutputSchema = z.strictObject({
  released: z.array(z.strictObject({ agent: AgentNameSchema, profile: z.string(), parked: PoolParkSchema })).describe('The pools that were parked and now are not'),
  pools: z.array(PoolHealthSchema).describe('Every pool now'),
});

export function registerReleasePool(server: McpServer, harness: Harness): void {
  server.registerTool(
    'release_pool',
    {
      title: 'Release a parked provider pool',
      description:
        'A provider limit (rate limit, usage limit, overload) parks the pool of the agent that met it: its steps wait ' +
        'until the limit resets. release_pool ends the park now (of one profile, or every profile of the agent), so ' +
        'its steps start at once, e.g. after raising a plan. Answers what was released and every pool.',
      inputSchema: z.object({
        agent: AgentNameSchema,
        profile: z.string().min(1).max(200).optional().describe('One provider profile (as the system scoreboard names it); default: all of the agent'),
      }),
      outputSchema: ReleasePoolOutputSchema,
      annotations: { idempotentHint: true },
    },
    ({ agent, profile }) =>
      answer(async () => {
        const { released, pools } = await harness.releasePool(agent, profile);
        const text = released.length > 0 ? `Released ${released.map((p) => `${p.agent}/${p.profile}`).join(', ')}; its steps start now.` : `No ${agent} pool${profile ? ` with profile ${profile}` : ''} was parked.`;
        return toolResult({ released: released.map((p) => ({ agent: p.agent, profile: p.profile, parked: p.parked! })), pools }, text);
      }),
  );
}
