import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI_LOGS, describeBatch } from '../scoreboard/index.js';
import { RunsPaths } from '../store/index.js';
import { fail, followBatch, harnessOptions, openHarness, type StoreOptions } from './common.js';

const POLL_MS = 200;

async function readJsonFile(path: string): Promise<Record<string, unknown> | undefined> {
  return readFile(path, 'utf8').then(
    (text) => JSON.parse(text) as Record<string, unknown>,
    () => undefined,
  );
}

/**
 * `harness-mcp submit FILE [--follow]`: puts a launch table in the runs root's queue inbox, where
 * the server that owns the root takes it (or the next one to start). With --follow it waits for
 * the verdict, then follows the batch until it settles; the exit code says how it went.
 */
export async function submit(file: string, options: StoreOptions & { follow?: boolean }): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
    JSON.parse(text);
  } catch (error) {
    fail(`${file} is not a readable JSON launch table: ${(error as Error).message}`);
  }
  const paths = new RunsPaths(resolve(harnessOptions(options).runsDir));
  const name = `${basename(file, '.json').replace(/[^A-Za-z0-9._-]/g, '-')}-${randomBytes(3).toString('hex')}.json`;
  const inbox = paths.queueDir('inbox');
  await mkdir(inbox, { recursive: true });
  // Written aside and renamed in, so the server never reads half a file.
  const aside = join(paths.queueDir('inbox'), '..', `.${name}.partial`);
  await writeFile(aside, text);
  await rename(aside, join(inbox, name));
  process.stderr.write(`queued ${name} in ${inbox}\n`);
  if (!options.follow) return 0;

  let verdict: Record<string, unknown> | undefined;
  for (;;) {
    verdict = await readJsonFile(join(paths.queueDir('accepted'), `${name}.result.json`));
    if (verdict) break;
    const errors = await readJsonFile(join(paths.queueDir('rejected'), `${name}.errors.json`));
    if (errors) {
      for (const p of (errors.problems as { path: string; message: string }[]) ?? []) process.stdout.write(`${p.path}: ${p.message}\n`);
      return 1;
    }
    await sleep(POLL_MS);
  }
  const batchId = String(verdict.batch_id);
  process.stderr.write(`accepted as ${batchId}\n`);
  const harness = await openHarness(options, { readOnly: true });
  const board = await followBatch(harness, batchId);
  await harness.close();
  process.stdout.write(`${describeBatch(board, CLI_LOGS)}\n`);
  return board.counts.succeeded === board.steps_total ? 0 : 1;
}
