import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

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

/**
 * The text of a file someone else may have planted (a queue entry, an agent's report): read only
 * when it is a regular file with one link and at most `maxBytes`, else why not. A link to a file
 * elsewhere, a FIFO that never ends or /dev/zero is refused unread. ENOENT is thrown.
 */
export async function readPlantedFile(path: string, maxBytes: number, limitName: string): Promise<{ text: string } | { refused: string; tooBig?: true }> {
  const opened = await openRegularFile(path);
  if ('refused' in opened) return opened;
  try {
    if (opened.info.nlink !== 1) return { refused: `has ${opened.info.nlink} hard links` };
    if (opened.info.size > maxBytes) return { refused: `is ${opened.info.size} bytes; at most ${maxBytes} are allowed (${limitName})`, tooBig: true };
    return { text: await opened.handle.readFile('utf8') };
  } finally {
    await opened.handle.close();
  }
}
