import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';

// O_NOFOLLOW: a symlink is refused, never read through; O_NONBLOCK: opening a FIFO does not wait for a writer.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export type OpenedRegularFile = { handle: FileHandle; info: Stats } | { refused: string };

/**
 * Opens `path` for reading when it is a regular file, or says why not. The checks are made on
 * the open descriptor, so the file cannot be swapped between check and read. ENOENT and other
 * errors of the open itself are thrown as they are.
 */
export async function openRegularFile(path: string): Promise<OpenedRegularFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return { refused: 'is a symbolic link' };
    throw error;
  }
  const info = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (info.isFile()) return { handle, info };
  await handle.close();
  return { refused: 'is not a regular file (a FIFO, device or directory)' };
}
