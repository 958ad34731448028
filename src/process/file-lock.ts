import { spawn } from 'node:child_process';
import { close, open } from 'node:fs';
import { promisify } from 'node:util';
import { FileLockUnavailableError } from '../core/index.js';

const openFile = promisify(open);
const closeFile = promisify(close);

/** A kernel lock on a file, held until released or until this process dies. */
export interface HeldFileLock {
  release(): Promise<void>;
}

// flock(1)'s exit code when the lock is taken (--conflict-exit-code), told apart from its own errors.
const CONFLICT = 75;

/**
 * Takes an exclusive flock(2) on `path` (created if missing) for as long as this process lives,
 * or returns undefined when another open file of it holds one. The lock is on the inode, so it
 * also stops a second server that reaches the file by another path (a bind mount, two containers
 * sharing a volume).
 *
 * Node has no flock. flock(1) of util-linux gets this process's descriptor as its fd 3 and locks
 * it: a flock belongs to the open file description, which this process keeps open after the
 * child exits, so the lock lasts until release() closes the descriptor or the kernel closes it
 * when this process dies, SIGKILL included: no stale lock, and no native addon to build. Node
 * opens files close-on-exec, so no agent the server spawns inherits the descriptor (nor the lock).
 */
export async function lockFileExclusively(path: string): Promise<HeldFileLock | undefined> {
  const fd = await openFile(path, 'a', 0o600);
  let exitCode: number | null;
  try {
    exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(CONFLICT), '3'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
      child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new FileLockUnavailableError(path, 'flock(1) is not installed (it comes with util-linux)', { cause: error }) : error));
      child.once('exit', (code) => resolve(code));
    });
  } catch (error) {
    await closeFile(fd);
    throw error;
  }
  if (exitCode === 0) return { release: () => closeFile(fd) };
  await closeFile(fd);
  if (exitCode === CONFLICT) return undefined;
  throw new FileLockUnavailableError(path, `flock(1) exited with ${exitCode}`);
}
