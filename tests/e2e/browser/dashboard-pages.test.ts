import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHttpHarness } from '../servers/http-server.js';
import { oneJob, tempDir, workDirIn } from '../servers/harness-server.js';
import { launchChromium, saveScreenshot } from './chromium.js';

// A step that runs until the test writes `release` into its working directory.
const UNTIL_RELEASED = ['sh', '-c', 'while [ ! -f release ]; do sleep 0.05; done'];

describe('the dashboard in headless Chromium', () => {
  it('lists a running batch on the batches page', async () => {
    const dir = await workDirIn(await tempDir());
    const http = await startHttpHarness();
    const client = await http.connect();
    const submitted = await client.callTool({ name: 'submit_batch', arguments: oneJob(dir, [{ step_id: 'wait', command: UNTIL_RELEASED }]) });
    const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;

    const page = await (await launchChromium()).newPage();
    await page.goto(new URL('/', http.url).href);
    await expect.poll(() => page.getByRole('link', { name: batchId }).count(), { timeout: 15_000 }).toBe(1);
    // Loopback without a token: no sign-in, so nothing to sign out of.
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await saveScreenshot(page, 'batches');
    await writeFile(join(dir, 'release'), '');
  });
});
