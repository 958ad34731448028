import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';

export const GcOutput = z.object({
  dry_run: z.boolean(),
  removed: z.array(z.object({ batch_id: z.string(), path: z.string(), bytes: z.int(), worktrees: z.array(z.string()) })),
  bytes_total: z.int(),
});

export function registerGc(server: McpServer, harness: Harness): void {
  server.registerTool(
    'gc',
    {
      title: 'Collect garbage',
      description:
        'Removes batches that are settled and idle past retention_policy.keep_closed_batches_days (their directories, ' +
        'attempts and isolated git worktrees), never a resume base an open batch refers to. dry_run: true only lists them.',
      inputSchema: z.object({ dry_run: z.boolean().optional().describe('List what would go, and the bytes, without removing it') }),
      outputSchema: GcOutput,
      annotations: { destructiveHint: true },
    },
    ({ dry_run }) =>
      answer(async () => {
        const result = await harness.collectGarbage(dry_run ?? false);
        const verb = result.dry_run ? 'Would remove' : 'Removed';
        return toolResult(result, `${verb} ${result.removed.length} batches, ${result.bytes_total} bytes${result.removed.length ? `: ${result.removed.map((r) => r.batch_id).join(', ')}` : ''}.`);
      }),
  );
}
