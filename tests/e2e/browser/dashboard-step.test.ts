import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startHttpHarness } from '../servers/http-server.js';
import { goal, oneJob, stepOf, tempDir, workDirIn } from '../servers/harness-server.js';
import { gitRepo } from '../servers/git-repo.js';
import { launchChromium, saveScreenshot } from './chromium.js';

// A page's first paint, a step's start and a server's answer on two shared cores take a while; waiting is on conditions, never on time.
const poll = <T>(probe: () => Promise<T>) => expect.poll(probe, { timeout: 15_000 });
const sh = (script: string) => ['sh', '-c', script];
// A step that runs until the test writes `release` into its working directory.
const UNTIL_RELEASED = sh('while [ ! -f release ]; do sleep 0.05; done');

async function submitted(client: Client, table: Record<string, unknown>): Promise<string> {
  const answer = await client.callTool({ name: 'submit_batch', arguments: table });
  return (answer.structuredContent as { batch_id: string }).batch_id;
}

async function stepNow(client: Client, batchId: string, jobId: string, stepId: string): Promise<{ status: string; attempts: number; run_id: string | null }> {
  const board = await client.callTool({ name: 'get_scoreboard', arguments: { batch_id: batchId, detail: 'full' } });
  return stepOf(board.structuredContent, jobId, stepId);
}

async function stepPage(base: string, batchId: string, jobId: string, stepId: string): Promise<Page> {
  const page = await (await launchChromium()).newPage();
  await page.goto(new URL(`/#/batch/${batchId}/step/${jobId}/${stepId}`, base).href);
  return page;
}

// Runs in the page, where getComputedStyle is; the tests' own type check has no DOM types.
const backgroundOf = (row: Locator) => row.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);

/** Clicks an action button and then the confirming button of its dialog. */
async function confirmAction(page: Page, label: string): Promise<void> {
  await page.getByRole('button', { name: label, exact: true }).click();
  await page.getByRole('dialog', { name: label }).getByRole('button', { name: `Yes, ${label.toLowerCase()}` }).click();
}

describe('the step page in headless Chromium', () => {
  it('follows the log of a running step: a line written after the page opened shows without a reload', async () => {
    const dir = await workDirIn(await tempDir());
    // Heartbeats a minute apart: no state change tells the page of the new line, only the log's own follow stream.
    const http = await startHttpHarness({ config: { runners: { heartbeat_write_interval_seconds: 60 } } });
    const client = await http.connect();
    const script = 'echo "first line"; while [ ! -f more ]; do sleep 0.05; done; echo "written after the page opened"; echo oops >&2; while [ ! -f release ]; do sleep 0.05; done';
    const batchId = await submitted(client, oneJob(dir, [{ step_id: 'talk', command: sh(script) }]));

    const page = await stepPage(http.url, batchId, 'j', 'talk');
    const log = page.getByRole('tabpanel').locator('pre');
    await poll(() => log.textContent()).toContain('first line');
    await poll(() => page.locator('.step-title .status').textContent()).toBe('running');
    await writeFile(join(dir, 'more'), '');
    await poll(() => log.textContent()).toContain('written after the page opened');
    await saveScreenshot(page, 'step-log');

    // The tabs are keyboard-usable: arrow right from stdout is stderr.
    await page.getByRole('tab', { name: 'stdout' }).focus();
    await page.keyboard.press('ArrowRight');
    await poll(() => page.getByRole('tab', { name: 'stderr' }).getAttribute('aria-selected')).toBe('true');
    await poll(() => page.getByRole('tabpanel').locator('pre').textContent()).toContain('oops');

    // Released, the attempt ends and the page says so, with its exit code.
    await writeFile(join(dir, 'release'), '');
    await poll(() => page.locator('.step-title .status').textContent()).toBe('succeeded');
    await poll(() => page.locator('table.attempts tbody tr').first().locator('td').nth(5).textContent()).toBe('0');
    await poll(() => page.getByText('final.json', { exact: true }).count()).toBe(1);

    // The follow stream of an ended attempt says its whole size, that it ended, and closes.
    const { run_id } = await stepNow(client, batchId, 'j', 'talk');
    const stdout = 'first line\nwritten after the page opened\n';
    const stream = await (await fetch(new URL(`/api/follow?run_id=${run_id}&name=stdout`, http.url))).text();
    expect(stream).toBe(`event: size\ndata: {"size":${Buffer.byteLength(stdout)}}\n\nevent: ended\ndata: {}\n\n`);
  });

  it('cancels a running step from the page, then retries it into a new attempt', async () => {
    const dir = await workDirIn(await tempDir());
    const http = await startHttpHarness();
    const client = await http.connect();
    const batchId = await submitted(client, oneJob(dir, [{ step_id: 'wait', command: UNTIL_RELEASED }]));
    await poll(async () => (await stepNow(client, batchId, 'j', 'wait')).status).toBe('running');

    const page = await stepPage(http.url, batchId, 'j', 'wait');
    await poll(() => page.locator('.step-title .status').textContent()).toBe('running');
    await confirmAction(page, 'Cancel step');
    await poll(async () => (await stepNow(client, batchId, 'j', 'wait')).status).toBe('canceled');
    await poll(() => page.locator('.step-title .status').textContent()).toBe('canceled');
    const first = (await stepNow(client, batchId, 'j', 'wait')).run_id;

    await confirmAction(page, 'Retry step');
    await poll(async () => (await stepNow(client, batchId, 'j', 'wait')).attempts).toBe(2);
    expect((await stepNow(client, batchId, 'j', 'wait')).run_id).not.toBe(first);
    // The new attempt is on the page, listed first and chosen.
    await poll(() => page.locator('table.attempts tbody tr').count()).toBe(2);
    await poll(() => page.locator('table.attempts button[aria-pressed="true"]').textContent()).toBe('2');
    await writeFile(join(dir, 'release'), '');
    await poll(async () => (await stepNow(client, batchId, 'j', 'wait')).status).toBe('succeeded');
  });

  it('shows an isolated job’s change highlighted, and lands it after showing the dry run', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'a.ts': 'export const a = 1;\n' });
    const base = (await git('rev-parse', 'main')).trim();
    const http = await startHttpHarness();
    const client = await http.connect();
    const batchId = await submitted(client, {
      batch_goal_summary: goal(),
      defaults: { agent: 'command' },
      jobs: [{ job_id: 'fix', working_directory: repo, workspace_policy: 'isolated', steps: [{ step_id: 'edit', command: sh('echo "export const b = 2;" >> a.ts') }] }],
    });
    await poll(async () => (await stepNow(client, batchId, 'fix', 'edit')).status).toBe('succeeded');

    const page = await stepPage(http.url, batchId, 'fix', 'edit');
    const files = page.getByRole('list', { name: 'Changed files' });
    await poll(() => files.getByRole('link', { name: 'a.ts' }).count()).toBe(1);
    await poll(() => files.textContent()).toContain('+1');
    const added = page.locator('tr.diff-add');
    await poll(() => added.count()).toBe(1);
    expect(await added.textContent()).toContain('export const b = 2;');
    // Highlighted as TypeScript, shaded as an added line.
    expect(await added.locator('.hljs-keyword').first().textContent()).toBe('export');
    const shade = await backgroundOf(added);
    expect(shade).toBe('rgb(218, 251, 225)'); // --diff-add-bg of the light theme
    await saveScreenshot(page, 'step-diff');
    await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
    await poll(() => backgroundOf(added)).toBe('rgb(18, 38, 30)'); // and of the dark one
    await saveScreenshot(page, 'step-diff-dark');

    // The dry run first: what would land, nothing changed yet.
    await page.getByRole('button', { name: 'Dry run' }).click();
    await poll(() => page.locator('.land-dry-run').textContent()).toContain('would land on main');
    expect((await git('rev-parse', 'main')).trim()).toBe(base);
    await saveScreenshot(page, 'step-land-dry-run');

    await confirmAction(page, 'Land onto main');
    await poll(() => page.locator('.land-result').textContent()).toContain('landed on main');
    expect(await git('show', 'main:a.ts')).toBe('export const a = 1;\nexport const b = 2;\n');
    expect((await git('rev-parse', 'main')).trim()).toBe((await git('rev-parse', `harness/${batchId}/fix`)).trim());
  });

  it('refuses a bad attempts or follow request with a clear error', async () => {
    const http = await startHttpHarness();
    const api = (path: string) => fetch(new URL(path, http.url)).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: { code: string; message: string } } }));
    const noStep = await api('/api/attempts?batch_id=b&job_id=j');
    expect(noStep).toMatchObject({ status: 400, body: { error: { code: 'invalid_argument' } } });
    expect(noStep.body.error.message).toContain('step_id');
    expect(await api('/api/attempts?batch_id=nope&job_id=j&step_id=s')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const badName = await api('/api/follow?run_id=0123456789abcdef&name=final');
    expect(badName).toMatchObject({ status: 400, body: { error: { code: 'invalid_argument' } } });
    expect(badName.body.error.message).toContain('stdout, stderr, events');
    expect(await api('/api/follow?run_id=xyz&name=stdout')).toMatchObject({ status: 400, body: { error: { code: 'invalid_argument' } } });
    expect(await api('/api/follow?run_id=0123456789abcdef&name=stdout')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});
