import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LaunchTableInvalidError, NoServerError, type ValidationProblem } from '../core/index.js';
import { Harness } from '../harness/index.js';
import { CLI_LOGS, describeBatch } from '../scoreboard/index.js';
import { RunsLock, type RunsPaths } from '../store/index.js';
import { createOwnerCheck, EXIT, fail, failWith, followBatch, harnessOptions, openHarness, orFail, runsPathsOf, watchOwner, type StoreOptions } from './common.js';

const POLL_MS = 200;
// A server takes a queued table within a moment; past this, say what is being waited for.
const QUIET_MS = 5000;

async function readJsonFile(path: string): Promise<Record<string, unknown> | undefined> {
  return readFile(path, 'utf8').then(
    (text) => JSON.parse(text) as Record<string, unknown>,
    () => undefined,
  );
}

/**
 * `harness-mcp submit FILE [--follow]`: checks a launch table as the server would, then puts it
 * in the runs root's queue inbox, where the server that owns the root takes it (or, without
 * --follow, the next one to start). With --follow it waits for the verdict, then follows the
 * batch until it settles; it never waits for a server that is not there.
 */
export async function submit(file: string, options: StoreOptions & { follow?: boolean }): Promise<number> {
  let text: string;
  let table: unknown;
  try {
    text = await readFile(file, 'utf8');
    table = JSON.parse(text);
  } catch (error) {
    fail(`${file} is not a readable JSON launch table: ${(error as Error).message}`);
  }
  const paths = await runsPathsOf(options);
  const owned = await RunsLock.isHeld(paths);
  const config = await orFail(() => Harness.checkLaunchTable(table, { paths, owned, configFile: harnessOptions(options).configFile }));
  if (owned && !config.interfaces.filesystem_queue.enabled) {
    failWith(new NoServerError(paths.root, 'the server that runs it does not read the filesystem queue (interfaces.filesystem_queue.enabled is false)'));
  }
  if (!owned && options.follow) {
    failWith(new NoServerError(paths.root, `nothing was queued; start one with \`harness-mcp serve --runs-dir ${paths.root}\`, or run the batch here with \`harness-mcp run ${file}\``));
  }

  const name = `${basename(file, '.json').replace(/[^A-Za-z0-9._-]/g, '-')}-${randomBytes(3).toString('hex')}.json`;
  const inbox = paths.queueDir('inbox');
  await mkdir(inbox, { recursive: true });
  // Written aside and renamed in, so the server never reads half a file.
  const aside = join(inbox, '..', `.${name}.partial`);
  await writeFile(aside, text);
  await rename(aside, join(inbox, name));
  process.stderr.write(`queued ${name} in ${inbox}\n`);
  if (!owned) {
    process.stderr.write(`no server runs ${paths.root} now: the table waits until one starts (\`harness-mcp serve --runs-dir ${paths.root}\`)\n`);
    return EXIT.ok;
  }
  if (!options.follow) return EXIT.ok;

  const batchId = await awaitVerdict(paths, name);
  process.stderr.write(`accepted as ${batchId}\n`);
  const harness = await openHarness(options, { readOnly: true });
  const ownerGone = new AbortController();
  const stopWatching = watchOwner(paths, () =>
    ownerGone.abort(new NoServerError(paths.root, `the one that did stopped while ${batchId} ran; \`harness-mcp status ${batchId}\` shows where it got to, and the next server carries it on`)),
  );
  try {
    const board = await orFail(() => followBatch(harness, batchId, ownerGone.signal));
    process.stdout.write(`${describeBatch(board, CLI_LOGS)}\n`);
    return board.counts.succeeded === board.steps_total ? EXIT.ok : EXIT.stepsFailed;
  } finally {
    stopWatching();
    await harness.close();
  }
}

/** Waits for the server to accept a queued table (its batch id) or refuse it (exit 2), while it is there (else exit 3). */
async function awaitVerdict(paths: RunsPaths, name: string): Promise<string> {
  let quietUntil = Date.now() + QUIET_MS;
  const ownerHolds = createOwnerCheck(paths);
  for (;;) {
    const verdict = await readJsonFile(join(paths.queueDir('accepted'), `${name}.result.json`));
    if (verdict) return String(verdict.batch_id);
    const errors = await readJsonFile(join(paths.queueDir('rejected'), `${name}.errors.json`));
    if (errors) failWith(new LaunchTableInvalidError((errors.problems as ValidationProblem[] | undefined) ?? []));
    if (!(await ownerHolds())) failWith(new NoServerError(paths.root, `the one that did stopped before taking ${name}, which stays queued for the next one`));
    if (Date.now() > quietUntil) {
      const owner = await RunsLock.readOwner(paths);
      process.stderr.write(`waiting for the server that runs ${paths.root}${owner ? ` (pid ${owner.pid})` : ''} to take ${name}\n`);
      quietUntil = Infinity;
    }
    await sleep(POLL_MS);
  }
}
