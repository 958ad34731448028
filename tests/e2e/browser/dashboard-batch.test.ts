// The functions given to page.evaluate run in the page, so they are typed against the DOM.
/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/client';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startHttpHarness, type HttpHarness } from '../servers/http-server.js';
import { goal, tempDir, workDirIn } from '../servers/harness-server.js';
import { launchChromium, saveScreenshot } from './chromium.js';

// A step that runs until the test writes `release` into its working directory.
const UNTIL_RELEASED = ['sh', '-c', 'while [ ! -f release ]; do sleep 0.05; done'];
const STATUSES = ['blocked', 'ready', 'running', 'succeeded', 'failed', 'needs_attention', 'canceled'];

async function submit(client: Client, jobs: Record<string, unknown>[], extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await client.callTool({ name: 'submit_batch', arguments: { batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs, ...extra } });
  expect(answer.isError, JSON.stringify(answer.content)).toBeFalsy();
  return (answer.structuredContent as { batch_id: string }).batch_id;
}

async function boardOf(client: Client, batchId: string): Promise<{ counts: Record<string, number>; steps: { job_id: string; step_id: string; status: string }[] }> {
  const answer = await client.callTool({ name: 'get_scoreboard', arguments: { batch_id: batchId, detail: 'full' } });
  return answer.structuredContent as never;
}

async function systemOf(client: Client): Promise<{ runners: { drain: boolean }[] }> {
  return (await client.callTool({ name: 'get_scoreboard', arguments: {} })).structuredContent as never;
}

/** The job/step → status the page draws, from the nodes' data attributes. */
function drawnStatuses(page: Page): Promise<Record<string, string>> {
  return page.$$eval('[data-step]', (nodes) => Object.fromEntries(nodes.map((n) => [n.getAttribute('data-step'), n.getAttribute('data-status')])));
}

async function batchPage(browser: Browser, http: HttpHarness, batchId: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await browser.newPage({ colorScheme });
  await page.goto(new URL(`/#/batch/${batchId}`, http.url).href);
  return page;
}

/** A 3-job DAG: a1 → a2 → a3 (a3 runs until released), b1 fails → b2 blocked by it, c1 succeeds. */
async function threeJobBatch(client: Client): Promise<{ batchId: string; releaseDir: string }> {
  const [a, b, c] = await Promise.all([1, 2, 3].map(async () => workDirIn(await tempDir())));
  const batchId = await submit(client, [
    {
      job_id: 'a',
      working_directory: a,
      steps: [
        { step_id: 'a1', command: ['true'] },
        { step_id: 'a2', command: ['true'], depends_on: ['a1'] },
        { step_id: 'a3', command: UNTIL_RELEASED, depends_on: ['a2'] },
      ],
    },
    {
      job_id: 'b',
      working_directory: b!,
      steps: [
        { step_id: 'b1', command: ['false'] },
        { step_id: 'b2', command: ['true'], depends_on: ['b1'] },
      ],
    },
    { job_id: 'c', working_directory: c!, steps: [{ step_id: 'c1', command: ['true'] }] },
  ]);
  return { batchId, releaseDir: a! };
}

const SETTLED_BUT_A3 = { 'a/a1': 'succeeded', 'a/a2': 'succeeded', 'a/a3': 'running', 'b/b1': 'failed', 'b/b2': 'blocked', 'c/c1': 'succeeded' };

/** When the attempt of a step ended, by its state.json (the moment the server made the change). */
async function endedAtMs(runsDir: string, batchId: string, jobId: string, stepId: string): Promise<number> {
  const stepDir = join(runsDir, batchId, jobId, stepId);
  for (const name of await readdir(stepDir)) {
    const state = JSON.parse(await readFile(join(stepDir, name, 'state.json'), 'utf8').catch(() => '{}')) as { ended_at?: string };
    if (state.ended_at) return Date.parse(state.ended_at);
  }
  throw new Error(`no ended attempt under ${stepDir}`);
}

/** A git repository with one commit (variants need isolated workspaces); git sees no config of this machine. */
async function gitRepo(): Promise<string> {
  const repo = await tempDir();
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const git = (...args: string[]) => promisify(execFile)('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { env });
  await git('init', '-q', '-b', 'main');
  await writeFile(join(repo, 'README'), 'original\n');
  await git('add', 'README');
  await git('commit', '-qm', 'init');
  return repo;
}

describe('the batch, batches and system pages in headless Chromium', () => {
  it('draws every step of a 3-job DAG in its status colour with a legend, and repaints a step that succeeds without a reload', async () => {
    const http = await startHttpHarness();
    const client = await http.connect();
    const { batchId, releaseDir } = await threeJobBatch(client);
    const browser = await launchChromium();
    const page = await batchPage(browser, http, batchId);
    await expect.poll(() => drawnStatuses(page), { timeout: 20_000 }).toEqual(SETTLED_BUT_A3);

    // Each node's fill is its status's colour as the theme defines it.
    const fills = await page.$$eval('[data-step]', (nodes) =>
      nodes.map((node) => {
        const probe = document.createElement('span');
        probe.style.color = `var(--status-${node.getAttribute('data-status')})`;
        document.body.append(probe);
        const expected = getComputedStyle(probe).color;
        probe.remove();
        return { step: node.getAttribute('data-step'), fill: getComputedStyle(node.querySelector('rect')!).fill, expected };
      }),
    );
    expect(fills).toHaveLength(6);
    for (const { step, fill, expected } of fills) expect(fill, step!).toBe(expected);
    expect(new Set(fills.map((f) => f.fill)).size).toBe(4);

    // The legend names every colour.
    const legend = await page.$$eval('[data-legend]', (items) => items.map((i) => [i.getAttribute('data-legend'), i.textContent]));
    expect(legend.map(([status]) => status).sort()).toEqual([...STATUSES].sort());
    expect(legend.find(([s]) => s === 'needs_attention')?.[1]).toBe('needs attention');

    // The nodes are in the tab order; blocked reasons show on keyboard focus, and in the node's SVG title on hover.
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-step') ?? null);
    for (let presses = 0; presses < 40 && (await focused()) !== 'b/b2'; presses++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('b/b2');
    await expect.poll(() => page.locator('.dag-tip').textContent()).toMatch(/b2: blocked\n.*b1/s);
    expect(await page.locator('[data-step="b/b2"] title').textContent()).toMatch(/b1/);
    expect(await page.getAttribute('[data-step="b/b2"]', 'href')).toBe(`#/batch/${batchId}/step/b/b2`);
    await expect.poll(() => page.locator('[data-running="a/a3"]').count()).toBe(1);
    await expect.poll(() => page.locator('[data-attention="b/b1"]').count()).toBe(1);
    await saveScreenshot(page, 'batch-light');
    const dark = await batchPage(browser, http, batchId, 'dark');
    await expect.poll(() => drawnStatuses(dark)).toEqual(SETTLED_BUT_A3);
    await saveScreenshot(dark, 'batch-dark');

    // The page repaints from the event stream: no reload (the marker survives), within 1 s of the state change.
    await page.evaluate(() => {
      (window as unknown as { stayed: boolean }).stayed = true;
      const node = document.querySelector('[data-step="a/a3"]')!;
      new MutationObserver(() => {
        if (document.querySelector('[data-step="a/a3"]')?.getAttribute('data-status') === 'succeeded') (window as unknown as { paintedAt: number }).paintedAt ??= Date.now();
      }).observe(node.closest('svg')!, { attributes: true, subtree: true, attributeFilter: ['data-status'] });
    });
    await writeFile(join(releaseDir, 'release'), '');
    await expect.poll(() => page.getAttribute('[data-step="a/a3"]', 'data-status'), { timeout: 10_000 }).toBe('succeeded');
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    const paintedAt = await page.evaluate(() => (window as unknown as { paintedAt: number }).paintedAt);
    const lagMs = paintedAt - (await endedAtMs(http.runsDir, batchId, 'a', 'a3'));
    console.log(`a3 repainted succeeded ${lagMs} ms after its attempt ended`);
    expect(lagMs).toBeLessThan(1000);
  });

  it('cancels the batch from its page: the steps end canceled on the server', async () => {
    const http = await startHttpHarness();
    const client = await http.connect();
    const dir = await workDirIn(await tempDir());
    const batchId = await submit(client, [
      { job_id: 'j', working_directory: dir, steps: [{ step_id: 'one', command: UNTIL_RELEASED }, { step_id: 'two', command: UNTIL_RELEASED, depends_on: ['one'] }] },
    ]);
    const page = await batchPage(await launchChromium(), http, batchId);
    await expect.poll(() => page.getAttribute('[data-step="j/one"]', 'data-status'), { timeout: 20_000 }).toBe('running');
    await page.getByRole('button', { name: 'Cancel batch' }).click();
    await page.getByRole('button', { name: 'Yes, cancel batch' }).click();
    await expect.poll(async () => (await boardOf(client, batchId)).counts.canceled, { timeout: 20_000 }).toBe(2);
    await expect.poll(() => drawnStatuses(page)).toEqual({ 'j/one': 'canceled', 'j/two': 'canceled' });
  });

  it('shows the variants of a job side by side, and the batch budget with what was spent', async () => {
    const http = await startHttpHarness();
    const client = await http.connect();
    const repo = await gitRepo();
    const batchId = await submit(client, [{ job_id: 'try', working_directory: repo, variants: 2, steps: [{ step_id: 'write', command: ['true'] }] }], { budget: { max_wall_seconds: 600 } });
    const page = await batchPage(await launchChromium(), http, batchId);
    await expect.poll(() => drawnStatuses(page), { timeout: 20_000 }).toEqual({ 'try.v1/write': 'succeeded', 'try.v2/write': 'succeeded' });
    const columns = page.locator('[data-variants="try"] [data-job]');
    expect(await columns.evaluateAll((cards) => cards.map((c) => c.getAttribute('data-job')))).toEqual(['try.v1', 'try.v2']);
    const [left, right] = [await columns.nth(0).boundingBox(), await columns.nth(1).boundingBox()];
    expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);
    expect(right!.y).toBe(left!.y);
    await expect.poll(() => page.locator('[data-budget="batch"]').textContent()).toMatch(/of 10 min/);
    await saveScreenshot(page, 'batch-variants');
  });

  it('lists batches with their status bars, and drains and undrains the runner from the system page', async () => {
    const http = await startHttpHarness();
    const client = await http.connect();
    const dir = await workDirIn(await tempDir());
    const batchId = await submit(client, [{ job_id: 'j', working_directory: dir, steps: [{ step_id: 'ok', command: ['true'] }, { step_id: 'bad', command: ['false'] }] }]);
    const browser = await launchChromium();
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ colorScheme });
      await page.goto(new URL('/', http.url).href);
      const row = page.locator(`tr[data-batch="${batchId}"]`);
      await expect.poll(() => row.locator('.status-bar').getAttribute('aria-label'), { timeout: 20_000 }).toBe('1 failed, 1 succeeded');
      expect(await row.getAttribute('class')).toBe('needs-attention');
      await page.getByLabel('Show').selectOption('settled');
      await expect.poll(() => row.count()).toBe(1);
      await page.getByLabel('Batch id').fill('no-such-batch');
      await expect.poll(() => page.getByText('No batch matches the filter.').count()).toBe(1);
      await page.getByLabel('Batch id').fill('');
      await page.getByLabel('Show').selectOption('all');
      await expect.poll(() => row.count()).toBe(1);
      await saveScreenshot(page, `batches-${colorScheme}`);
    }

    const page = await browser.newPage();
    await page.goto(new URL('/#/system', http.url).href);
    const runner = page.locator('[data-runner]');
    await expect.poll(() => runner.getAttribute('data-drain'), { timeout: 20_000 }).toBe('false');
    await saveScreenshot(page, 'system-light');
    await page.getByRole('button', { name: 'Drain', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, drain' }).click();
    await expect.poll(() => runner.getAttribute('data-drain')).toBe('true');
    expect((await systemOf(client)).runners[0]!.drain).toBe(true);
    await page.getByRole('button', { name: 'Undrain' }).click();
    await page.getByRole('button', { name: 'Yes, undrain' }).click();
    await expect.poll(() => runner.getAttribute('data-drain')).toBe('false');
    expect((await systemOf(client)).runners[0]!.drain).toBe(false);
    const dark = await browser.newPage({ colorScheme: 'dark' });
    await dark.goto(new URL('/#/system', http.url).href);
    await expect.poll(() => dark.locator('[data-runner]').count()).toBe(1);
    await saveScreenshot(dark, 'system-dark');
  });

  it('shows a 10,000-step batch as collapsed jobs fast, with a step list that scrolls', async () => {
    const http = await startHttpHarness({ config: { limits: { max_steps_per_job: 5000, max_launch_table_bytes: 16 * 1024 * 1024 } } });
    const client = await http.connect();
    // Drained, so the 10,000 steps wait ready instead of spawning on a shared machine.
    await client.callTool({ name: 'set_drain', arguments: { drain: true } });
    const jobs = await Promise.all(
      ['big1', 'big2'].map(async (jobId) => ({
        job_id: jobId,
        working_directory: await workDirIn(await tempDir()),
        steps: Array.from({ length: 5000 }, (_, i) => ({ step_id: `s${i}`, command: ['true'] })),
      })),
    );
    const batchId = await submit(client, jobs);
    const page = await (await launchChromium()).newPage();
    // The moment the collapsed jobs are in the document, as the page's own clock (ms since navigation) has it.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelectorAll('[data-collapsed]').length < 2) return;
        (window as unknown as { shownAt: number }).shownAt = performance.now();
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(new URL(`/#/batch/${batchId}`, http.url).href);
    await page.waitForFunction(() => (window as unknown as { shownAt?: number }).shownAt !== undefined, undefined, { timeout: 20_000 });
    const shownMs = await page.evaluate(() => (window as unknown as { shownAt: number }).shownAt);
    console.log(`10,000-step batch page: collapsed jobs in the page ${Math.round(shownMs)} ms after navigation`);
    expect(shownMs).toBeLessThan(5000);
    expect(await page.locator('svg [data-step]').count()).toBe(0);

    await page.getByRole('button', { name: 'Show all 5000 steps' }).first().click();
    const list = page.getByRole('list', { name: 'Steps of job big1' });
    await expect.poll(() => list.locator('[data-step="big1/s0"]').count()).toBe(1);
    expect(await list.locator('[role=listitem]').count()).toBeLessThan(60);
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => list.locator('[data-step="big1/s4999"]').getAttribute('data-status')).toBe('ready');
    expect(await list.locator('[data-step="big1/s0"]').count()).toBe(0);
    expect(await list.locator('[role=listitem]').count()).toBeLessThan(60);
    await saveScreenshot(page, 'batch-10000-steps');
  });
});
