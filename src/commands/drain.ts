import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { nowIso } from '../core/index.js';
import { RUNNER_ID, setWorkerDrain } from '../distributed/index.js';
import { RunsLock, type RunsPaths } from '../store/index.js';
import { fail, orFail, runsPathsOf, type StoreOptions } from './common.js';

export interface DrainOptions extends StoreOptions {
  /** One worker of the distributed mode instead of the whole root. */
  runnerId?: string;
}

/**
 * `harness-mcp drain` / `undrain`: sets or clears the runs root's drain flag (or, with
 * --runner-id, one worker's), and says what changed. The server that runs the root, or the
 * worker, follows at its next health refresh.
 */
export async function setDrainFlag(drain: boolean, options: DrainOptions): Promise<void> {
  const paths = await runsPathsOf(options);
  if (options.runnerId !== undefined) return drainWorker(drain, paths, options.runnerId);
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

async function drainWorker(drain: boolean, paths: RunsPaths, runnerId: string): Promise<void> {
  if (!RUNNER_ID.test(runnerId)) fail(`--runner-id ${JSON.stringify(runnerId)}: use 1 to 64 letters, digits, dots, dashes or underscores`);
  await orFail(() => setWorkerDrain(paths, runnerId, drain));
  process.stdout.write(
    drain
      ? `draining worker ${runnerId}: it takes no new attempts; running ones finish (it follows within runners.health_interval_seconds)\n`
      : `drain ended for worker ${runnerId}: it takes attempts again (within runners.health_interval_seconds)\n`,
  );
}
