import { readFile } from 'node:fs/promises';
import { HarnessError, NoServerError, type BatchScoreboard } from '../core/index.js';
import { defaultRunsDir, resolveRunsRoot, RunsLock, RunsPaths } from '../store/index.js';
import { createProgressDisplay } from './progress-display.js';
import { Harness, type HarnessOptions } from '../harness/index.js';

/** Options every command takes. */
export interface StoreOptions {
  runsDir?: string;
  config?: string;
}

/** The exit codes of every command, as the README's "From a terminal" lists them. */
export const EXIT = {
  /** Done; for a batch: every step succeeded. */
  ok: 0,
  /** The batch ran, and some step did not succeed. */
  stepsFailed: 1,
  /** Refused input or usage: nothing was done. */
  refused: 2,
  /** No server runs the runs root, or another one holds it. */
  noServer: 3,
} as const;

/** Prints to stderr and exits: 2 (the command was given something it cannot work with) unless told. */
export function fail(message: string, exitCode: number = EXIT.refused): never {
  process.stderr.write(`harness-mcp: ${message}\n`);
  process.exit(exitCode);
}

/** Exits with a HarnessError's terminal message; a missing or busy server is exit 3, the rest 2. */
export function failWith(error: HarnessError): never {
  fail(error.cliMessage, error.code === 'runs_locked' || error.code === 'no_server' ? EXIT.noServer : EXIT.refused);
}

/** The bearer token of an HTTP server: --token-file's content, else $HARNESS_MCP_TOKEN, else none. */
export async function readToken(file: string | undefined): Promise<string | undefined> {
  if (!file) return process.env.HARNESS_MCP_TOKEN || undefined;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    fail(`--token-file ${file} cannot be read: ${(error as Error).message}`);
  }
}

export function harnessOptions(options: StoreOptions): HarnessOptions {
  return {
    // `??`, not `||`: an empty value is refused by resolveRunsRoot, never taken for the default.
    runsDir: options.runsDir ?? process.env.HARNESS_RUNS_DIR ?? defaultRunsDir(),
    configFile: options.config ?? process.env.HARNESS_CONFIG,
  };
}

/**
 * The runs root of a command that acts on an existing one (submit, cancel, retry, drain, gc),
 * checked as every entry point checks it (see resolveRunsRoot). It must exist: a mistyped
 * --runs-dir is refused, never made into a new, empty root that no server serves.
 */
export async function runsPathsOf(options: StoreOptions): Promise<RunsPaths> {
  return new RunsPaths(await orFail(() => resolveRunsRoot(harnessOptions(options).runsDir, { mustExist: true })));
}

// How often a command that waits on the server checks that it is still there.
const OWNER_CHECK_MS = 1000;

/**
 * For a command that polls for the server's answer: whether the server still holds the root,
 * looked up at most every OWNER_CHECK_MS (one connect to its lock socket) and assumed in between.
 */
export function createOwnerCheck(paths: RunsPaths): () => Promise<boolean> {
  let nextAt = Date.now() + OWNER_CHECK_MS;
  return async () => {
    if (Date.now() < nextAt) return true;
    nextAt = Date.now() + OWNER_CHECK_MS;
    return RunsLock.isHeld(paths);
  };
}

/** Calls `onGone` once the server no longer holds the root (looked up every OWNER_CHECK_MS); returns what stops the watch. */
export function watchOwner(paths: RunsPaths, onGone: () => void): () => void {
  const timer = setInterval(() => {
    void RunsLock.isHeld(paths).then((held) => {
      if (held) return;
      clearInterval(timer);
      onGone();
    });
  }, OWNER_CHECK_MS);
  return () => clearInterval(timer);
}

/** Exits 3 at once when no server runs the root: `what` is done by that server, and nobody would answer. */
export async function requireServer(paths: RunsPaths, what: string): Promise<void> {
  if (await RunsLock.isHeld(paths)) return;
  failWith(new NoServerError(paths.root, `${what}; start one with \`harness-mcp serve --runs-dir ${paths.root}\``));
}

/** Opens the harness, turning a HarnessError (bad config, say) into a clear exit. */
export async function openHarness(options: StoreOptions, extra: Partial<HarnessOptions> = {}): Promise<Harness> {
  return orFail(() => Harness.open({ ...harnessOptions(options), ...extra }));
}

/** Runs a command's body, printing a HarnessError (unknown batch, locked store) as a clear failure. */
export async function orFail<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof HarnessError) failWith(error);
    throw error;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Shows a batch's progress until it settles, however long that takes; returns its full
 * scoreboard. An abort of `signal` ends the wait by throwing its reason.
 */
export async function followBatch(harness: Harness, batchId: string, signal?: AbortSignal): Promise<BatchScoreboard> {
  const display = createProgressDisplay();
  const show = async () => display.update(await harness.reader.batchScoreboard(batchId, { offset: 0, size: 0 }, 10));
  await show();
  while (!(await harness.reader.waitUntilSettled(batchId, 3600 * 1000, { signal, onChange: () => void show().catch(() => undefined) }))) {
    signal?.throwIfAborted(); // else a long batch outlasted one wait
  }
  const board = await harness.reader.batchScoreboard(batchId, 'all');
  display.update(board);
  return board;
}
