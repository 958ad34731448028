import { describe, expect, it } from 'vitest';
import { REVISIONS } from './servers/harness-client.js';
import { HarnessServer, oneJob, tempDir, treeSnapshot, workDirIn } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

const APP_URI = 'ui://harness/batch';
const APP_MIME = 'text/html;profile=mcp-app';
const UI_EXTENSION = 'io.modelcontextprotocol/ui';
const SHOWN_IN_APP = ['get_scoreboard', 'run_batch', 'wait_for_batch'];

describe.each(REVISIONS)('the MCP App over stdio (%s)', (revision) => {
  it('links run_batch, wait_for_batch and get_scoreboard to ui://harness/batch and no other tool', async () => {
    const server = await HarnessServer.start({ revision });
    const { tools } = await server.client.listTools();
    const linked = tools.filter((t) => t._meta?.ui !== undefined).map((t) => t.name);
    expect(linked.sort()).toEqual(SHOWN_IN_APP);
    for (const name of SHOWN_IN_APP) {
      const tool = tools.find((t) => t.name === name)!;
      expect(tool._meta, name).toEqual({ ui: { resourceUri: APP_URI }, 'ui/resourceUri': APP_URI });
    }
    expect(server.client.getServerCapabilities()?.extensions?.[UI_EXTENSION]).toEqual({});
  });

  it('serves the app as one self-contained HTML page of the MCP App profile', async () => {
    const server = await HarnessServer.start({ revision });
    const listed = (await server.client.listResources()).resources.find((r) => r.uri === APP_URI);
    expect(listed).toMatchObject({ name: 'batch-app', mimeType: APP_MIME, _meta: { ui: { prefersBorder: true } } });
    const { contents } = await server.client.readResource({ uri: APP_URI });
    expect(contents).toHaveLength(1);
    const page = contents[0] as { uri: string; mimeType: string; text: string };
    expect(page).toMatchObject({ uri: APP_URI, mimeType: APP_MIME });
    // Booleans, not the page: a failure would print half a megabyte of script.
    expect(page.text.startsWith('<!doctype html>')).toBe(true);
    expect(page.text.includes('<div id="app"></div>')).toBe(true);
    // Script and style inlined, nothing to fetch: a host's sandbox allows no network (the browser test runs it under the spec's default CSP).
    expect(/<script[^>]*\ssrc=|<link[^>]*\shref=|@import/i.test(page.text)).toBe(false);
    expect(page.text.match(/<script>/g)).toHaveLength(1);
    expect(page.text.match(/<style>/g)).toHaveLength(1);
  });

  it('answers a client without the UI extension exactly as one with it', async () => {
    const dir = await workDirIn(await tempDir());
    const plain = await HarnessServer.start({ revision });
    const withUi = await HarnessServer.start({ revision, runsDir: plain.runsDir, clientCapabilities: { extensions: { [UI_EXTENSION]: { mimeTypes: [APP_MIME] } } } });
    const run = await plain.call('run_batch', { ...oneJob(dir, [{ step_id: 'only', command: ['true'] }]), timeout_seconds: 30 });
    expect(run.isError).toBeFalsy();
    const batchId = (run.structuredContent as { batch_id: string }).batch_id;
    expect(run.structuredContent).toMatchObject({ batch_id: batchId, settled: true, counts: { succeeded: 1 } });
    expect((run.content as { type: string; text: string }[])[0]).toMatchObject({ type: 'text', text: expect.stringContaining(batchId) });

    const args = { batch_id: batchId, detail: 'full' };
    const [plainBoard, uiBoard] = [await plain.call('get_scoreboard', args), await withUi.call('get_scoreboard', args)];
    expect(plainBoard.structuredContent).toMatchObject({ batch_id: batchId, steps: [{ step_id: 'only', status: 'succeeded' }] });
    // The same answer but for when it was computed.
    const uncomputed = (value: unknown) => ({ ...(value as Record<string, unknown>), computed_at: undefined });
    expect(uiBoard.content).toEqual(plainBoard.content);
    expect(uncomputed(uiBoard.structuredContent)).toEqual(uncomputed(plainBoard.structuredContent));
  });
});

describe('the MCP App without a built front end', () => {
  // In this process the server runs from src/, where no front end is built: as a checkout before `npm run build`.
  it('refuses to read ui://harness/batch, saying how to build it, and still lists it and answers every tool', async () => {
    const server = await InProcessServer.start();
    const before = await treeSnapshot(server.runsDir);
    await expect(server.client.readResource({ uri: 'ui://harness/batch' })).rejects.toThrow(/The MCP App's page \S+mcp-app\.html is missing: build the front end with `npm run build`/);
    expect((await server.client.listResources()).resources.map((r) => r.uri)).toContain('ui://harness/batch');
    expect((await server.call('get_scoreboard')).isError).toBeFalsy();
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
  });
});
