import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { copySessionStore, linkIfPresent } from '../session-store-copy.js';

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

/**
 * Makes an attempt's CODEX_HOME. A resuming attempt starts from a copy of its source's frozen
 * store, less its indexes (the source is only read); credentials and config are then provisioned as for a fresh
 * one: config.toml copied from the harness config or linked from ~/.codex, auth.json linked
 * from ~/.codex unless credentials come from the environment. Credentials are never copied.
 */
export async function prepareCodexHome(home: string, resumeFrom: string | null, source: CodexHomeSource): Promise<void> {
  if (resumeFrom) await copySessionStore(resumeFrom, home, (path) => !path.includes(sep) && leftOutOfCopy(path));
  else await mkdir(home, { recursive: true });
  for (const name of PROVISIONED) await rm(join(home, name), { force: true });

  if (source.configToml) await copyFile(source.configToml, join(home, 'config.toml'));
  else await linkIfPresent(join(source.userCodexDir, 'config.toml'), join(home, 'config.toml'));
  if (!source.credentialsFromEnv) await linkIfPresent(join(source.userCodexDir, 'auth.json'), join(home, 'auth.json'));
}
