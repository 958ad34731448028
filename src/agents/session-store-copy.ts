import { chmod, cp, lstat, readdir, stat, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';

export async function exists(path: string): Promise<boolean> {
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
 * Copies a frozen session store into a new attempt's, writable, leaving out what `leftOut`
 * names by its path relative to the store (credentials, which are provisioned afresh and never
 * copied; indexes that would point back into the source). The source is only read.
 */
export async function copySessionStore(from: string, to: string, leftOut: (relativePath: string) => boolean): Promise<void> {
  await cp(from, to, { recursive: true, verbatimSymlinks: true, filter: (path) => path === from || !leftOut(relative(from, path)) });
  await makeWritable(to);
}

/** Links `link` to the runner's own file `target` when that exists: credentials are linked, never copied. */
export async function linkIfPresent(target: string, link: string): Promise<void> {
  if (await exists(target)) await symlink(target, link);
}

/** The variables of `names` that are set (and not empty) in `env`. */
export function passthroughEnv(names: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(names.filter((name) => env[name]).map((name) => [name, env[name]!]));
}
