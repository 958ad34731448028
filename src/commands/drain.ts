import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { nowIso } from '../core/index.js';
import { RunsPaths } from '../store/index.js';
import { harnessOptions, type StoreOptions } from './common.js';

/**
 * `harness-mcp drain` / `undrain`: sets or clears the runs root's drain flag. The server that
 * runs the root (if any) picks it up at its next health refresh.
 */
export async function setDrainFlag(drain: boolean, options: StoreOptions): Promise<void> {
  const paths = new RunsPaths(resolve(harnessOptions(options).runsDir));
  if (drain) {
    await mkdir(dirname(paths.drainFile), { recursive: true });
    await writeFile(paths.drainFile, `${nowIso()} by harness-mcp drain\n`);
  } else {
    await rm(paths.drainFile, { force: true });
  }
  process.stdout.write(drain ? `draining ${paths.root}: no new attempts start; running ones finish\n` : `${paths.root} is not draining\n`);
}
