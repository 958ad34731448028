import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { treeSnapshot } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

const hostile = fc.oneof(
  fc.constantFrom('../..', '/etc/passwd', '%2e%2e', 'a\u0000b', 'ffffffffffffffff', '0123456789abcdef', '🙂', '', 'x'.repeat(5000)),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.object({ maxDepth: 3 }),
);
const TOOLS = ['submit_batch', 'get_scoreboard', 'wait_for_batch', 'fetch_artifact', 'tail_events', 'get_changes', 'cancel_run', 'retry_step', 'list_batches', 'gc'] as const;
const args = fc.dictionary(
  fc.constantFrom('batch_id', 'job_id', 'step_id', 'run_id', 'name', 'offset', 'max_bytes', 'lines', 'cursor', 'include_patch', 'paths', 'patch_offset', 'jobs', 'batch_goal_summary', 'detail', 'timeout_seconds', 'dry_run', 'cascade', 'defaults'),
  hostile,
  { maxKeys: 5 },
);

describe('MCP tools under generated hostile arguments', () => {
  it('answer every call, never crash the server, and write nothing when they refuse', async () => {
    const server = await InProcessServer.start();
    const before = await treeSnapshot(server.runsDir);
    let calls = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TOOLS), args, async (tool, input) => {
        const callArgs = tool === 'wait_for_batch' ? { ...input, timeout_seconds: 0 } : tool === 'gc' ? { ...input, dry_run: true } : input;
        const result = await server.call(tool, callArgs);
        calls++;
        if (result.isError) {
          refused++;
          expect((result.content as { text: string }[])[0]!.text.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 600 },
    );
    expect((await server.client.listTools()).tools.length).toBeGreaterThan(0); // still serving
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
    console.log(`fuzz mcp: ${calls} calls with generated hostile arguments, ${refused} refused with a message, server up, 0 bytes written`);
  });
});
