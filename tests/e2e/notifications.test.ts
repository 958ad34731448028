import { describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { agent, eventually, oneJob, tempDir } from './servers/harness-server.js';
import { REVISIONS, type Revision } from './servers/harness-client.js';
import { startHttpHarness } from './servers/http-server.js';
import { InProcessServer } from './servers/in-process-server.js';
import { rawHttp } from './servers/raw-modern-client.js';

/**
 * Asks to hear of changes to `uris` and of new resources, as a client of the revision does:
 * resources/subscribe on 2025-11-25 (list changes come unasked), a subscriptions/listen stream on
 * 2026-07-28. Returns what stops hearing of the first URI.
 */
async function watch(client: Client, revision: Revision, uris: string[]): Promise<() => Promise<unknown>> {
  if (revision === 'legacy') {
    for (const uri of uris) await client.subscribeResource({ uri });
    return () => client.unsubscribeResource({ uri: uris[0]! });
  }
  const subscription = await client.listen({ resourceSubscriptions: uris, resourcesListChanged: true });
  return () => subscription.close();
}

describe.each(REVISIONS)('notifications (%s)', (revision) => {
  it('sends coalesced resources/updated for a watched scoreboard while its batch runs, and list_changed for a new batch', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ maxConcurrency: 4, revision });
    const updated: string[] = [];
    let listChanged = 0;
    server.client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
    server.client.setNotificationHandler('notifications/resources/list_changed', () => void listChanged++);
    const steps = Array.from({ length: 12 }, (_, i) => ({ step_id: `s${i}`, command: [agent('ledger.sh'), `${dir}/ledger`, `s${i}`, '0.2'] }));
    const table = { ...oneJob(dir, steps), batch_id: 'watched' };
    // A scoreboard can be watched before its batch exists.
    const stop = await watch(server.client, revision, ['harness://batches/watched/scoreboard', 'harness://scoreboard']);
    await server.submit(table);
    await server.settled('watched');
    const batchUpdates = await eventually(
      async () => updated.filter((u) => u === 'harness://batches/watched/scoreboard').length || undefined,
      'an update of the batch scoreboard',
    );
    // 12 steps make some 50 state changes; updates are coalesced to a few.
    expect(batchUpdates).toBeLessThan(25);
    expect(updated).toContain('harness://scoreboard');
    expect(listChanged).toBeGreaterThanOrEqual(1);
    // Nothing unasked: no other batch's scoreboard.
    expect(updated.every((u) => u === 'harness://scoreboard' || u === 'harness://batches/watched/scoreboard')).toBe(true);
    await stop();
  });

  it('delivers updates to each HTTP client that watches, while another submits', async () => {
    const dir = await tempDir();
    const http = await startHttpHarness();
    const [watcher, submitter] = await Promise.all([http.connect(undefined, revision), http.connect(undefined, revision)]);
    const seen: string[] = [];
    watcher.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
    const stop = await watch(watcher, revision, ['harness://scoreboard']);
    const submitted = await submitter.callTool({ name: 'submit_batch', arguments: oneJob(dir, [{ step_id: 'a', command: ['sleep', '0.3'] }]) });
    const batchId = (submitted.structuredContent as any).batch_id;
    await submitter.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 30 } });
    await eventually(async () => seen.includes('harness://scoreboard') || undefined, 'the watcher to hear of the change');
    await stop();
  });
});

describe('notifications (legacy only)', () => {
  it('refuses to subscribe to a resource that is not a scoreboard', async () => {
    const server = await InProcessServer.start();
    await expect(server.client.subscribeResource({ uri: 'harness://runs/0123456789abcdef/state' })).rejects.toThrow(/cannot be subscribed to/);
  });

  it('logs to the client at the level it asks for', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    const logs: { level: string; data: unknown }[] = [];
    server.client.setNotificationHandler('notifications/message', (n) => void logs.push({ level: n.params.level, data: n.params.data }));
    await server.client.setLoggingLevel('error');
    await server.settled(await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }])));
    expect(logs).toEqual([]);
    await server.client.setLoggingLevel('info');
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }]));
    await server.settled(batchId);
    expect(logs).toContainEqual({ level: 'info', data: `batch ${batchId} submitted: 1 jobs, 1 steps` });
  });
});

describe('notifications (2026-07-28 only)', () => {
  it('logs to a request that names its level, and to no other', async () => {
    const dir = await tempDir();
    const http = await startHttpHarness();
    const client = rawHttp(http.url);
    const table = () => ({ name: 'run_batch', arguments: oneJob(dir, [{ step_id: 'a', command: ['true'] }]) });
    const asked = await client.request('tools/call', { ...table(), _meta: { 'io.modelcontextprotocol/logLevel': 'info' } }, { tasks: false });
    const batchId = asked.result.structuredContent.batch_id;
    expect(asked.notifications).toContainEqual({ method: 'notifications/message', params: { level: 'info', logger: 'harness-mcp', data: `batch ${batchId} submitted: 1 jobs, 1 steps` } });
    const above = await client.request('tools/call', { ...table(), _meta: { 'io.modelcontextprotocol/logLevel': 'error' } }, { tasks: false });
    const unasked = await client.request('tools/call', table(), { tasks: false });
    for (const answer of [above, unasked]) {
      expect(answer.result.structuredContent.settled).toBe(true);
      expect((answer.notifications ?? []).filter((n) => n.method === 'notifications/message')).toEqual([]);
    }
  });

  it('sends no log message that no request asked for', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ revision: 'modern' });
    const logs: unknown[] = [];
    server.client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params));
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }]));
    await server.settled(batchId);
    expect(logs).toEqual([]);
  });
});
