import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { RunsRootInvalidError } from '../core/index.js';

/** What marks the top of a source checkout: runs written there would land in the repository. */
const CHECKOUT_MARKERS = ['package.json', '.git'];

async function statOf(path: string) {
  return stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
}

/**
 * The runs root when neither --runs-dir nor HARNESS_RUNS_DIR names one: harness-mcp's state
 * directory by the XDG base directory rules ($XDG_STATE_HOME, else ~/.local/state), outside any
 * checkout. A runs root inside a working directory would let its steps write the harness's files.
 */
export function defaultRunsDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(state, 'harness-mcp', 'runs');
}

/**
 * The absolute runs root of a --runs-dir / HARNESS_RUNS_DIR value, for every entry point.
 * Refuses an empty value (resolve('') is the cwd: that is how run output once got committed at
 * the top of this repository), the top of a source checkout, and, with `mustExist` (every
 * command but the servers and `run`: one that reads must not create it, and one that acts on a
 * root must not make a mistyped one), a directory that is not there.
 */
export async function resolveRunsRoot(runsDir: string, options: { mustExist?: boolean } = {}): Promise<string> {
  if (runsDir.trim() === '') {
    throw new RunsRootInvalidError(runsDir, `the runs dir is empty (--runs-dir or HARNESS_RUNS_DIR); give a path, or leave both unset for the default, ${defaultRunsDir()}`);
  }
  const root = resolve(runsDir);
  const info = await statOf(root);
  if (!info) {
    if (options.mustExist) throw new RunsRootInvalidError(root, `no such directory: ${root} (check --runs-dir or HARNESS_RUNS_DIR)`);
    return root;
  }
  if (!info.isDirectory()) throw new RunsRootInvalidError(root, `${root} is not a directory; the runs dir must be one`);
  for (const marker of CHECKOUT_MARKERS) {
    if (await statOf(join(root, marker))) {
      throw new RunsRootInvalidError(root, `${root} holds ${marker}: it is the top of a source checkout, and runs would land in it; give a runs dir of its own, such as ${join(root, 'runs')}`);
    }
  }
  return root;
}
