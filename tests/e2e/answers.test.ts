import { describe, expect, it } from 'vitest';
import { goal, HarnessServer, oneJob, tempDir } from './helpers/harness-server.js';

// Claude Code refuses tool results over 25k tokens; ~4 characters a token is generous for JSON.
const TOKEN_LIMIT_CHARS = 25_000 * 3;

describe('answers sized for a client’s context', () => {
  it('keeps every scoreboard answer far below the token limit, and groups failures that share a cause', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({ maxConcurrency: 8, config: { limits: { max_steps_per_job: 300 } } });
    const steps = Array.from({ length: 300 }, (_, i) => ({ step_id: `s${i}`, command: ['sh', '-c', i % 3 === 0 ? 'echo "disk quota exceeded" >&2; exit 2' : 'echo "connection refused" >&2; exit 1'] }));
    const batchId = await server.submit(oneJob(dir, steps));
    const waited = await server.call('wait_for_batch', { batch_id: batchId, timeout_seconds: 120 });
    expect(JSON.stringify(waited).length).toBeLessThan(TOKEN_LIMIT_CHARS);
    const summary = waited.structuredContent as any;
    expect(summary).toMatchObject({ settled: true, counts: { failed: 300 }, steps: [] });
    expect(summary.failures).toMatchObject({ total: 300 });
    expect(summary.failures.items).toHaveLength(20);
    expect(summary.failure_groups.map((g: any) => [g.count, g.message])).toEqual([
      [200, 'exited 1; output ends: connection refused'],
      [100, 'exited 2; output ends: disk quota exceeded'],
    ]);
    expect(summary.failure_groups[0].examples).toHaveLength(5);
    expect((waited.content as any)[0].text).toContain('200 × exit_nonzero: exited 1; output ends: connection refused');

    const full = await server.call('get_scoreboard', { batch_id: batchId, detail: 'full' });
    expect(JSON.stringify(full).length).toBeLessThan(TOKEN_LIMIT_CHARS);
    expect((full.structuredContent as any).steps).toHaveLength(200);
    expect((full.structuredContent as any).next_cursor).toBe('200');
  });
});

describe('idempotent submit', () => {
  it('returns the first batch for a repeat with the same key and table, and refuses the key for another table', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const table = { ...oneJob(dir, [{ step_id: 'a', command: ['true'] }]), idempotency_key: 'nightly-42' };
    // Two calls at once, as a client that timed out and retried might make them.
    const [first, second] = await Promise.all([server.ok('submit_batch', table), server.ok('submit_batch', table)]);
    expect(second.batch_id).toBe(first.batch_id);
    expect([first.deduplicated, second.deduplicated].sort()).toEqual([false, true]);
    // Key order does not make a table different.
    const reordered = Object.fromEntries(Object.entries(table).reverse());
    expect(await server.ok('submit_batch', reordered)).toMatchObject({ batch_id: first.batch_id, deduplicated: true });
    expect((await server.ok('list_batches')).batches).toHaveLength(1);

    const other = { ...oneJob(dir, [{ step_id: 'b', command: ['true'] }]), idempotency_key: 'nightly-42' };
    const refused = await server.error('submit_batch', other);
    expect(refused.code).toBe('idempotency_conflict');
    expect(refused.text).toContain(`idempotency_key \`nightly-42\` was used for batch ${first.batch_id} with a different launch table`);
  });

  it('remembers keys across a restart', async () => {
    const dir = await tempDir();
    const first = await HarnessServer.start();
    const table = { ...oneJob(dir, [{ step_id: 'a', command: ['true'] }]), idempotency_key: 'k', batch_goal_summary: goal('restart') };
    const { batch_id } = await first.ok('submit_batch', table);
    await first.settled(batch_id);
    await first.stop();
    const second = await HarnessServer.start({ runsDir: first.runsDir });
    expect(await second.ok('submit_batch', table)).toMatchObject({ batch_id, deduplicated: true });
  });
});
