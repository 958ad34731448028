import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesizeStore } from '../../tools/synthesize-store.js';
import { goal, oneJob, tempDir } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

// Claude Code refuses tool results over 25k tokens; ~4 characters a token is generous for JSON.
const TOKEN_LIMIT_CHARS = 25_000 * 3;

describe('answers sized for a client’s context', () => {
  it('keeps every scoreboard answer far below the token limit, and groups failures that share a cause', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ maxConcurrency: 8, config: { limits: { max_steps_per_job: 300 } } });
    await server.client.listTools(); // the client checks every answer against its output schema from here on
    const steps = Array.from({ length: 300 }, (_, i) => ({ step_id: `s${i}`, command: ['sh', '-c', i % 3 === 0 ? 'echo "disk quota exceeded" >&2; exit 2' : 'echo "connection refused" >&2; exit 1'] }));
    const batchId = await server.submit(oneJob(dir, steps));
    const waited = await server.call('wait_for_batch', { batch_id: batchId, timeout_seconds: 120 });
    expect(JSON.stringify(waited).length).toBeLessThan(TOKEN_LIMIT_CHARS);
    const summary = waited.structuredContent as any;
    expect(summary).toMatchObject({ settled: true, counts: { failed: 300 } });
    expect(summary).not.toHaveProperty('steps');
    // failure_groups and attention name the failed steps; failures says how many there are.
    expect(summary.failures).toEqual({ total: 300 });
    expect(summary.attention.items).toHaveLength(5);
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
    expect((full.structuredContent as any).failures.items).toHaveLength(100);
  });
});

/** The bytes a model reads of an answer: its structured content as JSON. */
function bytesOf(structured: unknown): number {
  return Buffer.byteLength(JSON.stringify(structured));
}

describe('answers sized for a model', () => {
  it('answers wait_for_batch on a settled one-step batch in at most 600 bytes, and everything with detail full', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    await server.client.listTools();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }]));
    const waited = await server.ok('wait_for_batch', { batch_id: batchId, timeout_seconds: 60 });
    expect(waited).toMatchObject({ batch_id: batchId, settled: true, timed_out: false, counts: { succeeded: 1, failed: 0 } });
    expect(bytesOf(waited)).toBeLessThanOrEqual(600);
    // What the caller wrote itself, and what it does not need, are left out.
    for (const left of ['batch_goal_summary', 'runs_root', 'attention', 'failures', 'failure_groups', 'steps', 'usage', 'usage_by_agent', 'next_cursor', 'dispatch_paused']) {
      expect(waited).not.toHaveProperty(left);
    }
    expect(JSON.stringify(waited)).not.toMatch(/null|\[\]|\{\}/);
    expect(bytesOf(await server.ok('get_scoreboard', { batch_id: batchId }))).toBeLessThanOrEqual(600);

    const full = await server.ok('wait_for_batch', { batch_id: batchId, detail: 'full' });
    expect(full).toMatchObject({ batch_goal_summary: goal(), runs_root: server.runsDir, usage: null, failures: { total: 0, items: [] }, next_cursor: null });
    expect(full.steps).toHaveLength(1);
    const system = await server.ok('get_scoreboard', {});
    expect(system).not.toHaveProperty('runs_root');
    expect(system.batches).toHaveLength(1);
    expect(await server.ok('get_scoreboard', { detail: 'full' })).toHaveProperty('runs_root', server.runsDir);
  });

  it('answers the summary of a 10,000-step batch with a hundred failures in at most 6 KB, the text rendering unchanged', async () => {
    const dir = await tempDir();
    // 100 jobs of 100 chained steps; s50 of each failed with 2,000 characters of output, so
    // 4,900 steps are blocked behind them.
    await synthesizeStore(join(dir, 'runs'), 1, 100, 100, dir, 50);
    const server = await InProcessServer.start({ runsDir: join(dir, 'runs') });
    await server.client.listTools();
    const result = await server.call('get_scoreboard', { batch_id: 'scale-0000' });
    const summary = result.structuredContent as any;
    expect(summary).toMatchObject({ steps_total: 10_000, settled: true, counts: { succeeded: 5000, failed: 100, blocked: 4900 } });
    expect(bytesOf(summary)).toBeLessThanOrEqual(6 * 1024);
    expect(summary.failures).toEqual({ total: 100 });
    expect(summary.attention.total).toBe(100);
    expect(summary.blocked).toMatchObject({ total: 4900, items: expect.any(Array) });
    expect(summary.failure_groups.map((g: any) => g.count)).toEqual([34, 33, 33]);
    // A message keeps what ended and the last lines of output.
    expect(summary.attention.items[0].message).toMatch(/^exited 1; output ends: .{30,} … .*npm ERR! connection refused\n$/s);
    expect(summary.attention.items[0].message.length).toBeLessThan(250);
    expect((result.content as any)[0].text).toContain('34 × exit_nonzero: exited 1; output ends:');
  });
});

describe('idempotent submit', () => {
  it('returns the first batch for a repeat with the same key and table, and refuses the key for another table', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
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
    const first = await InProcessServer.start();
    const table = { ...oneJob(dir, [{ step_id: 'a', command: ['true'] }]), idempotency_key: 'k', batch_goal_summary: goal('restart') };
    const { batch_id } = await first.ok('submit_batch', table);
    await first.settled(batch_id);
    await first.stop();
    const second = await InProcessServer.start({ runsDir: first.runsDir });
    expect(await second.ok('submit_batch', table)).toMatchObject({ batch_id, deduplicated: true });
  });
});
