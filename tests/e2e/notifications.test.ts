import { describe, expect, it } from 'vitest';
import {
  LoggingMessageNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { agent, eventually, oneJob, tempDir } from './servers/harness-server.js';
import { startHttpHarness } from './servers/http-server.js';
import { InProcessServer } from './servers/in-process-server.js';

describe('notifications', () => {
  it('sends coalesced resources/updated for a subscribed scoreboard while its batch runs, and list_changed for a new batch', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ maxConcurrency: 4 });
    const updated: string[] = [];
    let listChanged = 0;
    server.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    server.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void listChanged++);
    const steps = Array.from({ length: 12 }, (_, i) => ({ step_id: `s${i}`, command: [agent('ledger.sh'), `${dir}/ledger`, `s${i}`, '0.2'] }));
    const table = { ...oneJob(dir, steps), batch_id: 'watched' };
    // Subscribing needs the batch to exist; the system scoreboard can be watched before.
    await server.client.subscribeResource({ uri: 'harness://scoreboard' });
    await server.submit(table);
    await server.client.subscribeResource({ uri: 'harness://batches/watched/scoreboard' });
    await server.settled('watched');
    const batchUpdates = await eventually(
      async () => updated.filter((u) => u === 'harness://batches/watched/scoreboard').length || undefined,
      'an update of the batch scoreboard',
    );
    // 12 steps make some 50 state changes; updates are coalesced to a few.
    expect(batchUpdates).toBeLessThan(25);
    expect(updated).toContain('harness://scoreboard');
    expect(listChanged).toBeGreaterThanOrEqual(1);

    await server.client.unsubscribeResource({ uri: 'harness://batches/watched/scoreboard' });
    await expect(server.client.subscribeResource({ uri: 'harness://runs/0123456789abcdef/state' })).rejects.toThrow(/cannot be subscribed to/);
  });

  it('logs to the client at the level it asks for', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    const logs: { level: string; data: unknown }[] = [];
    server.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push({ level: n.params.level, data: n.params.data }));
    await server.client.setLoggingLevel('error');
    await server.settled(await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }])));
    expect(logs).toEqual([]);
    await server.client.setLoggingLevel('info');
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }]));
    await server.settled(batchId);
    expect(logs).toContainEqual({ level: 'info', data: `batch ${batchId} submitted: 1 jobs, 1 steps` });
  });

  it('delivers updates to each HTTP client that subscribed, while another submits', async () => {
    const dir = await tempDir();
    const http = await startHttpHarness();
    const [watcher, submitter] = await Promise.all([http.connect(), http.connect()]);
    const seen: string[] = [];
    watcher.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seen.push(n.params.uri));
    await watcher.subscribeResource({ uri: 'harness://scoreboard' });
    const submitted = await submitter.callTool({ name: 'submit_batch', arguments: oneJob(dir, [{ step_id: 'a', command: ['sleep', '0.3'] }]) });
    const batchId = (submitted.structuredContent as any).batch_id;
    await submitter.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 30 } });
    await eventually(async () => seen.includes('harness://scoreboard') || undefined, 'the watcher to hear of the change');
  });
});
