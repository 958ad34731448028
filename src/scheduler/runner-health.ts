import { access, statfs } from 'node:fs/promises';
import { freemem, loadavg } from 'node:os';
import type { RunnerHealth } from '../core/index.js';
import type { RunsPaths } from '../store/index.js';

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
