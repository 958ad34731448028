import { rename } from 'node:fs/promises';
import { nowIso, PoolsFileSchema, type PoolRecord } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';
import type { RunsPaths } from './paths.js';

/**
 * The pools as the last server left them. A file that cannot be read is moved aside as
 * `pools.json.damaged` and read as no pools: a park only repeats what a provider said, and the
 * next limit it meets parks the pool again.
 */
export async function readPoolsFile(paths: RunsPaths, log: (message: string) => void): Promise<PoolRecord[]> {
  try {
    return (await readJsonIfExists(paths.poolsFile, PoolsFileSchema))?.pools ?? [];
  } catch (error) {
    await rename(paths.poolsFile, `${paths.poolsFile}.damaged`).catch(() => undefined);
    log(`${paths.poolsFile} could not be read (${(error as Error).message}); it was moved to pools.json.damaged and the pools start unparked`);
    return [];
  }
}

/** Reads the pools for a server that does not run the root: nothing is moved, a damaged file reads as none. */
export async function peekPoolsFile(paths: RunsPaths): Promise<PoolRecord[]> {
  return (await readJsonIfExists(paths.poolsFile, PoolsFileSchema).catch(() => undefined))?.pools ?? [];
}

export async function writePoolsFile(paths: RunsPaths, pools: PoolRecord[]): Promise<void> {
  await writeJsonAtomic(paths.poolsFile, { pools, updated_at: nowIso() });
}
