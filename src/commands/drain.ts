import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { nowIso } from '../core/index.js';
import { RunsLock } from '../store/index.js';
import { runsPathsOf, type StoreOptions } from './common.js';

/**
 * `harness-mcp drain` / `undrain`: sets or clears the runs root's drain flag, and says what
 * changed. The server that runs the root (if any) follows at its next health refresh.
 */
export async function setDrainFlag(drain: boolean, options: StoreOptions): Promise<void> {
  const paths = await runsPathsOf(options);
  const wasDraining = await stat(paths.drainFile).then(
    () => true,
    () => false,
  );
  if (drain === wasDraining) {
    process.stdout.write(drain ? `${paths.root} was already draining\n` : `${paths.root} was not draining\n`);
    return;
  }
  if (drain) {
    await mkdir(dirname(paths.drainFile), { recursive: true });
    await writeFile(paths.drainFile, `${nowIso()} by harness-mcp drain\n`);
  } else {
    await rm(paths.drainFile, { force: true });
  }
  const follows = (await RunsLock.isHeld(paths)) ? 'its server follows within runners.health_interval_seconds' : 'no server runs it now';
  process.stdout.write(
    drain ? `draining ${paths.root}: no new attempts start; running ones finish (${follows})\n` : `drain ended for ${paths.root}: new attempts start again (${follows})\n`,
  );
}
