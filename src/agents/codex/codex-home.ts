import { chmod, copyFile, cp, lstat, mkdir, readdir, rm, stat, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

// Files of a CODEX_HOME that are provisioned afresh for every attempt, never carried over.
const PROVISIONED = new Set(['auth.json', 'config.toml']);

/**
 * Whether a top-level file of a resume base is left out of the copy. codex 0.169 keeps sqlite
 * indexes (state_5.sqlite and others) that record each thread's rollout file by absolute path:
 * resuming from a plain copy appends the new turns to the *source's* rollout file. Without the
 * indexes codex finds the thread in the copy's own sessions/ and rebuilds them there.
 */
function leftOutOfCopy(name: string): boolean {
  return PROVISIONED.has(name) || name.includes('.sqlite');
}

export interface CodexHomeSource {
  /** The runner's own ~/.codex, where auth.json and config.toml live. */
  userCodexDir: string;
  /** A config.toml to copy in instead of linking the runner's own. */
  configToml: string | null;
  /** Credentials come from the environment: do not link auth.json. */
  credentialsFromEnv: boolean;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Gives the owner write access to everything below `dir` (a copy of a frozen store is read-only). */
async function makeWritable(dir: string): Promise<void> {
  const info = await lstat(dir);
  if (info.isSymbolicLink()) return; // chmod would follow it out of the store
  await chmod(dir, info.mode | 0o200);
  if (!info.isDirectory()) return;
  for (const name of await readdir(dir)) await makeWritable(join(dir, name));
}

/**
 * Makes an attempt's CODEX_HOME. A resuming attempt starts from a copy of its source's frozen
 * store, less its indexes (the source is only read); credentials and config are then provisioned as for a fresh
 * one: config.toml copied from the harness config or linked from ~/.codex, auth.json linked
 * from ~/.codex unless credentials come from the environment. Credentials are never copied.
 */
export async function prepareCodexHome(home: string, resumeFrom: string | null, source: CodexHomeSource): Promise<void> {
  if (resumeFrom) {
    await cp(resumeFrom, home, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (path) => path === resumeFrom || !(join(resumeFrom, basename(path)) === path && leftOutOfCopy(basename(path))),
    });
    await makeWritable(home);
  } else {
    await mkdir(home, { recursive: true });
  }
  for (const name of PROVISIONED) await rm(join(home, name), { force: true });

  if (source.configToml) await copyFile(source.configToml, join(home, 'config.toml'));
  else if (await exists(join(source.userCodexDir, 'config.toml'))) await symlink(join(source.userCodexDir, 'config.toml'), join(home, 'config.toml'));
  if (!source.credentialsFromEnv && (await exists(join(source.userCodexDir, 'auth.json')))) {
    await symlink(join(source.userCodexDir, 'auth.json'), join(home, 'auth.json'));
  }
}
