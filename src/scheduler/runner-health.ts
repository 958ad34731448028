import { access, statfs } from 'node:fs/promises';
import { freemem, hostname, loadavg } from 'node:os';
import { dispatchPausedText, RunnerHealthSchema, type RunnerHealth } from '../core/index.js';
import { readJsonIfExists, RunsLock, type Owner, type RunsPaths } from '../store/index.js';

export type Pressure = RunnerHealth['pressure'];

/** Free disk of the runs root's filesystem, the 1-minute load average and free memory. */
export async function readPressure(paths: RunsPaths): Promise<Pressure> {
  const disk = await statfs(paths.root).catch(() => undefined);
  return {
    free_disk_bytes: disk ? disk.bavail * disk.bsize : null,
    load_average_1m: loadavg()[0] ?? 0,
    free_memory_bytes: freemem(),
  };
}

/** Whether the runs root is draining: its drain file exists. */
export async function isDraining(paths: RunsPaths): Promise<boolean> {
  return access(paths.drainFile).then(
    () => true,
    () => false,
  );
}

/** Why no new attempt may start, or null when they may. */
export function pauseReason(drain: boolean, pressure: Pressure, minFreeDiskBytes: number): string | null {
  if (drain) return 'draining: no new attempts start until undrain; running ones finish';
  if (pressure.free_disk_bytes !== null && pressure.free_disk_bytes < minFreeDiskBytes) {
    const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;
    return `low disk: ${gib(pressure.free_disk_bytes)} free on the runs root, below runners.min_free_disk_bytes (${gib(minFreeDiskBytes)}); new attempts wait`;
  }
  return null;
}

/**
 * The server that owns the runs root, from owner.json, while it lives: owner.json outlives its
 * server, so an owner on this host counts only while it holds the runs lock.
 */
async function readLiveOwner(paths: RunsPaths): Promise<Owner | undefined> {
  const owner = await RunsLock.readOwner(paths);
  if (!owner || (owner.hostname === hostname() && !(await RunsLock.isHeld(paths)))) return undefined;
  return owner;
}

/** The owner's health.json, when it is that process's (a runner id may be reused by the next server). */
async function readHealthOf(paths: RunsPaths, owner: Owner): Promise<RunnerHealth | undefined> {
  try {
    const health = await readJsonIfExists(paths.runnerHealthFile(owner.runner_id), RunnerHealthSchema);
    return health?.pid === owner.pid && health.hostname === owner.hostname ? health : undefined;
  } catch {
    return undefined; // torn, or a runner id no path may hold: no health to show
  }
}

/**
 * The health of the live server that owns the runs root, as it last wrote it to
 * `_system/runners/<runner_id>/health.json`; undefined when no live server owns the root, or
 * it has written none yet.
 */
export async function readOwnerHealth(paths: RunsPaths): Promise<RunnerHealth | undefined> {
  const owner = await readLiveOwner(paths);
  return owner ? readHealthOf(paths, owner) : undefined;
}

/**
 * Why ready steps do not start, as a reader that does not run the root sees it: the owner's
 * reason and its parked provider pools, or, with no live owner, that nothing will start them (draining besides, if so).
 */
export async function readOwnerPauseReason(paths: RunsPaths): Promise<string | null> {
  const owner = await readLiveOwner(paths);
  if (owner) {
    const health = await readHealthOf(paths, owner);
    return health ? dispatchPausedText(health.paused_reason, health.pools, Date.now()) : null;
  }
  const drain = await isDraining(paths);
  return `no server runs this runs root: ready steps start when one does (harness-mcp serve)${drain ? ', and it is draining (harness-mcp undrain)' : ''}`;
}
