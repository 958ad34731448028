import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { HarnessServer, oneJob, stepOf, tempDir, workDirIn } from '../servers/harness-server.js';
import { launchChromium, saveScreenshot } from './chromium.js';

// A step that runs until the test writes `release` into its working directory, and one after it.
const UNTIL_RELEASED = ['sh', '-c', 'while [ ! -f release ]; do sleep 0.05; done'];
const HOST_SOURCE = fileURLToPath(new URL('./mcp-host/host.ts', import.meta.url));

/** The test host's script, bundled into the test's temp dir (it is not part of the build). */
async function hostScript(): Promise<string> {
  const outfile = join(await tempDir(), 'host.js');
  await build({ entryPoints: [HOST_SOURCE], outfile, bundle: true, format: 'iife', target: 'es2022', logLevel: 'warning' });
  return outfile;
}

/** A batch of two steps, the first running until released; answers once it runs. */
async function runningBatch(server: HarnessServer, dir: string): Promise<string> {
  const batchId = await server.submit(
    oneJob(dir, [
      { step_id: 'holds', command: UNTIL_RELEASED },
      { step_id: 'after', command: ['true'], depends_on: ['holds'] },
    ]),
  );
  await expect.poll(async () => stepOf(await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' }), 'j', 'holds').status).toBe('running');
  return batchId;
}

/**
 * Our host page with the app's page (read through the Node client, as a host reads it from the
 * server) in its iframe, handed the input and result of get_scoreboard, as a host does once the
 * app is up. Returns the app's frame and what the app asked the host for.
 */
async function showInHost(server: HarnessServer, batchId: string) {
  const { contents } = await server.client.readResource({ uri: 'ui://harness/batch' });
  const html = (contents[0] as { text: string }).text;
  const page = await (await launchChromium()).newPage();
  const asked = { tools: [] as string[], reads: 0 };
  await page.exposeFunction('serverCallTool', (params: { name: string; arguments?: Record<string, unknown> }) => {
    asked.tools.push(params.name);
    return server.client.callTool(params);
  });
  await page.exposeFunction('serverReadResource', (params: { uri: string }) => {
    asked.reads++;
    return server.client.readResource(params);
  });
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ path: await hostScript() });
  await page.evaluate(([html, theme]) => window.showApp(html, { theme }), [html, 'dark'] as const);
  await page.waitForFunction(() => window.appInitialized);

  const args = { batch_id: batchId };
  const result = await server.client.callTool({ name: 'get_scoreboard', arguments: args });
  await page.evaluate(
    async ([args, result]) => {
      await window.bridge.sendToolInput({ arguments: args });
      await window.bridge.sendToolResult(result);
    },
    [args, result] as const,
  );
  const app = page.frameLocator('iframe');
  await expect.poll(() => app.getByText('holds', { exact: true }).count()).toBeGreaterThan(0);
  return { page, app, asked };
}

describe('the MCP App in a host page in headless Chromium', () => {
  it('renders the batch of a tool result and cancels it through the host', async () => {
    const dir = await workDirIn(await tempDir());
    const server = await HarnessServer.start();
    const batchId = await runningBatch(server, dir);
    const { page, app, asked } = await showInHost(server, batchId);

    await expect.poll(() => app.getByText('after', { exact: true }).count()).toBeGreaterThan(0);
    expect(await app.locator('html').getAttribute('data-theme')).toBe('dark');
    await saveScreenshot(page, 'mcp-app-batch');

    // A step's link opens its step view inside the app, and its heading's link returns to the batch.
    await app.getByRole('link', { name: 'j/holds' }).click();
    await expect.poll(() => app.getByRole('heading', { name: 'Attempts (1)' }).count()).toBe(1);
    await saveScreenshot(page, 'mcp-app-step');
    await app.getByRole('link', { name: batchId, exact: true }).click();

    await app.getByRole('button', { name: 'Cancel batch' }).click();
    await app.getByRole('button', { name: 'Yes, cancel batch' }).click();
    await expect.poll(async () => stepOf(await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' }), 'j', 'holds').status).toBe('canceled');
    expect(asked.tools).toContain('cancel_run');
    // The app read the batch again after the action: its counts say both steps ended canceled.
    await expect.poll(() => app.locator('p.counts').textContent()).toMatch(/^2 cancel/);
    await saveScreenshot(page, 'mcp-app-canceled');
    await writeFile(join(dir, 'release'), '');
  });

  it('follows an unsettled batch on its own, with no tool result from the host', async () => {
    const dir = await workDirIn(await tempDir());
    const server = await HarnessServer.start();
    const batchId = await runningBatch(server, dir);
    const { app, asked } = await showInHost(server, batchId);
    await expect.poll(() => app.locator('p.counts').textContent()).toMatch(/1 running/);

    await writeFile(join(dir, 'release'), '');
    // The app reads again every 5 s while the batch is unsettled (POLL_MS in web/src/data/app-source.ts).
    await expect.poll(() => app.locator('p.counts').textContent(), { timeout: 20_000 }).toBe('2 succeeded');
    expect(asked.tools).not.toContain('cancel_run');
  });
});
