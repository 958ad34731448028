import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Makes a finished attempt's session store read-only: it is now a resume base, which later
 * attempts copy and never change. Symlinks (linked credentials) are left alone, since chmod
 * would follow them to the runner's own files.
 */
export async function freezeTree(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) {
    for (const name of await readdir(path)) await freezeTree(join(path, name));
  }
  await chmod(path, info.mode & ~0o222);
}
