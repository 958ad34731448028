import { readlink, realpath, type FileHandle } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InvalidArgumentError, NotFoundError, openRegularFile, PathEscapeError, UnsafeArtifactError } from '../core/index.js';
import type { ArtifactName, AttemptLocation, RunsPaths } from './paths.js';

export interface ArtifactPage {
  content: string;
  offset: number;
  next_offset: number;
  size: number;
  eof: boolean;
}

/**
 * Opens an artifact of an attempt for reading when it is plainly a file of that attempt: a
 * regular file (no symlink is followed, a FIFO does not block), with one link (not a hard link
 * of a file elsewhere), that the kernel says sits at its own path under the runs root with no
 * symlink on the way (checked on the open descriptor, so nothing can be swapped in after).
 */
async function openArtifact(paths: RunsPaths, at: AttemptLocation, name: ArtifactName): Promise<FileHandle> {
  const file = paths.artifactFile(at, name);
  const shown = paths.relative(file);
  const expected = join(await realpath(paths.root), relative(paths.root, file));
  let changing = '';
  for (let attempt = 0; attempt < OPEN_TRIES; attempt++) {
    let opened;
    try {
      opened = await openRegularFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new NotFoundError('artifact', `${name} of run ${paths.runIdOf(at)}`, 'it is written as the attempt goes on (final once it ends)');
    }
    if ('refused' in opened) throw new UnsafeArtifactError(shown, opened.refused);
    const { handle, info } = opened;
    try {
      // The links were counted as it was opened; its path is read after, so a link removed
      // meanwhile shows as " (deleted)". Either way what was opened cannot be vouched for, but
      // the harness does both in passing: state.json is renamed over, and final.json has a second
      // link while writeJsonOnce moves it in. So open again, a few times.
      const actual = await readlink(`/proc/self/fd/${handle.fd}`).catch((error: NodeJS.ErrnoException) => {
        throw new UnsafeArtifactError(shown, `cannot be checked: /proc/self/fd is not readable here (${error.code}); artifacts are served on Linux`);
      });
      if (info.nlink !== 1 || actual.endsWith(' (deleted)')) {
        changing = info.nlink > 1 ? `has ${info.nlink} hard links` : 'was replaced while being opened';
        await handle.close();
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (actual !== expected) throw new PathEscapeError(`${shown} → ${actual}`, paths.attemptDir(at));
      return handle;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }
  throw new UnsafeArtifactError(shown, `${changing} each of the ${OPEN_TRIES} times it was opened`);
}

// A rewrite by the harness is over within a few file operations; ten opens in a row outlast it.
const OPEN_TRIES = 10;

/** Reads up to `maxBytes` of an artifact from `offset`, ending on a whole UTF-8 character. */
export async function readArtifactPage(paths: RunsPaths, at: AttemptLocation, name: ArtifactName, offset: number, maxBytes: number): Promise<ArtifactPage> {
  const handle = await openArtifact(paths, at, name);
  try {
    const { size } = await handle.stat();
    if (offset > size) throw new InvalidArgumentError('offset', `${offset} is past the end of ${name} (${size} bytes)`);
    const buffer = Buffer.alloc(Math.min(maxBytes, size - offset));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    const reachedEnd = offset + bytesRead >= size;
    const usable = reachedEnd ? bytesRead : wholeCharacterLength(buffer.subarray(0, bytesRead));
    const next = offset + usable;
    return { content: buffer.subarray(0, usable).toString('utf8'), offset, next_offset: next, size, eof: next >= size };
  } finally {
    await handle.close();
  }
}

/**
 * One page of a text held in memory (a patch made on demand), cut as readArtifactPage cuts a
 * file: up to `maxBytes` from `offset`, ending on a whole UTF-8 character. `what` names it in errors.
 */
export function pageOfText(text: string, offset: number, maxBytes: number, what: string): ArtifactPage {
  const bytes = Buffer.from(text, 'utf8');
  const size = bytes.length;
  if (offset > size) throw new InvalidArgumentError('offset', `${offset} is past the end of ${what} (${size} bytes)`);
  const window = bytes.subarray(offset, Math.min(size, offset + maxBytes));
  const usable = offset + window.length >= size ? window.length : wholeCharacterLength(window);
  const next = offset + usable;
  return { content: window.subarray(0, usable).toString('utf8'), offset, next_offset: next, size, eof: next >= size };
}

/** The length of `bytes` without a UTF-8 sequence cut off at its end. */
function wholeCharacterLength(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    const cut = needed > back ? bytes.length - back : bytes.length;
    return cut > 0 ? cut : bytes.length; // never return nothing for a window smaller than one character
  }
  return bytes.length;
}

export interface EventsTail {
  lines: string[];
  /** Byte offset just after the last line returned: pass it back to get what follows. */
  cursor: number;
}

const TAIL_CHUNK_BYTES = 64 * 1024;

/**
 * The last `count` complete lines of events.jsonl, or the next `count` lines after `cursor`.
 * It reads backwards from the end (or forwards from the cursor) in chunks and never more than
 * `maxBytes`, so a 1 GiB file costs what its last lines cost.
 */
export async function tailEventLines(paths: RunsPaths, at: AttemptLocation, count: number, cursor: number | undefined, maxBytes: number): Promise<EventsTail> {
  const handle = await openArtifact(paths, at, 'events');
  try {
    const { size } = await handle.stat();
    if (cursor !== undefined) {
      if (cursor > size) throw new InvalidArgumentError('cursor', `${cursor} is past the end of events (${size} bytes)`);
      const buffer = Buffer.alloc(Math.min(maxBytes, size - cursor));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, cursor);
      const window = buffer.subarray(0, bytesRead);
      const lines: string[] = [];
      let start = 0;
      for (let nl = window.indexOf(10); nl !== -1 && lines.length < count; nl = window.indexOf(10, start)) {
        lines.push(window.subarray(start, nl).toString('utf8'));
        start = nl + 1;
      }
      // A single line longer than the window would stall the cursor: hand it on cut short.
      if (lines.length === 0 && bytesRead === maxBytes) return { lines: [window.toString('utf8')], cursor: cursor + bytesRead };
      return { lines, cursor: cursor + start };
    }
    // From the end: the last byte may be mid-line (the writer is busy); stop at the last newline.
    let end = size;
    const chunks: Buffer[] = [];
    let newlines = 0;
    let position = size;
    let scanned = 0;
    let lastNewline = -1;
    while (position > 0 && newlines <= count && scanned < maxBytes) {
      const length = Math.min(TAIL_CHUNK_BYTES, position, maxBytes - scanned);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      chunks.unshift(chunk);
      scanned += length;
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] !== 10) continue;
        if (lastNewline === -1) lastNewline = position + i;
        newlines++;
      }
    }
    if (lastNewline === -1) return { lines: [], cursor: position === 0 ? 0 : size };
    end = lastNewline + 1;
    const text = Buffer.concat(chunks).subarray(0, end - position).toString('utf8');
    const all = text.split('\n').slice(0, -1);
    // The first piece may be the tail of a line that began before what was read.
    const complete = position === 0 ? all : all.slice(1);
    return { lines: complete.slice(-count), cursor: end };
  } finally {
    await handle.close();
  }
}

/**
 * The last `maxBytes` of an artifact (all of it when smaller), starting on a whole UTF-8
 * character, and whether the start was cut off.
 */
export async function readArtifactTail(paths: RunsPaths, at: AttemptLocation, name: ArtifactName, maxBytes: number): Promise<{ content: string; cut: boolean }> {
  const handle = await openArtifact(paths, at, name);
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    let from = 0;
    // Skip the continuation bytes of a character that began before the window.
    while (start > 0 && from < Math.min(3, bytesRead) && (buffer[from]! & 0xc0) === 0x80) from++;
    return { content: buffer.subarray(from, bytesRead).toString('utf8'), cut: start > 0 };
  } finally {
    await handle.close();
  }
}
