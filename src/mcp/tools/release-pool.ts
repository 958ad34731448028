import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { AgentNameSchema, PoolHealthSchema, PoolParkSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

export const ReleasePoolOutput = z.strictObject({
  released: z.array(z.strictObject({ agent: AgentNameSchema, profile: z.string(), parked: PoolParkSchema })).describe('The pools that were parked and now are not'),
  pools: z.array(PoolHealthSchema).describe('Every pool now'),
});

/** What a release did, in words: for the tool's text and `harness-mcp release-pool`. */
export function describeRelease(agent: string, profile: string | undefined, result: z.infer<typeof ReleasePoolOutput>): string[] {
  if (result.released.length === 0) return [`no ${agent} pool${profile ? ` with profile ${profile}` : ''} was parked`];
  return result.released.map((p) => `released ${p.agent}/${p.profile} (parked until ${p.parked.until}: ${p.parked.kind}); its steps start now`);
}

export const ReleasePoolInput = z.object({
  agent: AgentNameSchema,
  profile: z.string().min(1).max(200).optional().describe('One provider profile (as the system scoreboard names it); default: all of the agent'),
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
      inputSchema: portable(ReleasePoolInput),
      outputSchema: portable(ReleasePoolOutput),
      annotations: { idempotentHint: true },
    },
    ({ agent, profile }) =>
      answer(async () => {
        const { released, pools } = await harness.releasePool(agent, profile);
        const result = { released: released.map((p) => ({ agent: p.agent, profile: p.profile, parked: p.parked! })), pools };
        return toolResult(result, describeRelease(agent, profile, result).join('\n'));
      }),
  );
}
