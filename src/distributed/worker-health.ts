import { access, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { NotFoundError, nowIso, RunnerHealthSchema, type AgentName, type RunnerHealth } from '../core/index.js';
import { pauseReason, readPressure } from '../scheduler/index.js';
import { readJsonIfExists, writeJsonAtomic, type RunsPaths } from '../store/index.js';

// A worker whose health.json is older than this is no longer listed (its machine is gone).
const LISTED_FOR_MS = 24 * 3600 * 1000;

export interface WorkerState {
  runnerId: string;
  slots: number;
  running: number;
  agents: AgentName[];
  minFreeDiskBytes: number;
}

/**
 * Writes a worker's health.json (as a server writes its own) and answers whether the worker
 * should take no new attempts now: its drain flag, or too little disk on the runs root.
 */
export async function writeWorkerHealth(paths: RunsPaths, worker: WorkerState): Promise<RunnerHealth> {
  const drain = await access(paths.runnerDrainFile(worker.runnerId)).then(
    () => true,
    () => false,
  );
  const pressure = await readPressure(paths);
  const health: RunnerHealth = {
    runner_id: worker.runnerId,
    pid: process.pid,
    hostname: hostname(),
    mode: 'worker',
    capacity: worker.slots,
    running: worker.running,
    drain,
    paused_reason: pauseReason(drain, pressure, worker.minFreeDiskBytes),
    pressure,
    pools: [],
    agents: worker.agents,
    updated_at: nowIso(),
  };
  const file = paths.runnerHealthFile(worker.runnerId);
  await mkdir(dirname(file), { recursive: true });
  await writeJsonAtomic(file, health, { durable: false });
  return health;
}

/** The health of every worker seen in the last day, for the system scoreboard; a file that cannot be read is left out. */
export async function readWorkersHealth(paths: RunsPaths, nowMs = Date.now()): Promise<RunnerHealth[]> {
  const ids = await readdir(paths.runnersDir).catch(() => [] as string[]);
  const read = await Promise.all(ids.map((id) => readJsonIfExists(paths.runnerHealthFile(id), RunnerHealthSchema).catch(() => undefined)));
  return read
    .filter((health): health is RunnerHealth => health?.mode === 'worker' && nowMs - Date.parse(health.updated_at) < LISTED_FOR_MS)
    .sort((a, b) => a.runner_id.localeCompare(b.runner_id));
}

/**
 * Sets or clears one worker's drain flag (`drain --runner-id`, set_drain with runner_id): it
 * takes no new attempts, and what it runs finishes. The worker follows at its next health
 * refresh; answers its health as it last wrote it. A runner id no worker has written health
 * under is refused, and nothing is written.
 */
export async function setWorkerDrain(paths: RunsPaths, runnerId: string, drain: boolean): Promise<RunnerHealth> {
  const health = RUNNER_ID.test(runnerId) ? await readJsonIfExists(paths.runnerHealthFile(runnerId), RunnerHealthSchema).catch(() => undefined) : undefined;
  if (health?.mode !== 'worker') throw new NotFoundError('worker', runnerId, { mcp: 'get_scoreboard without a batch lists the workers', cli: '`harness-mcp status` lists the workers' });
  const file = paths.runnerDrainFile(runnerId);
  if (drain) await writeFile(file, `${nowIso()} by harness-mcp drain\n`);
  else await rm(file, { force: true });
  return health;
}

/** What a worker's --runner-id may be: it names a directory under _system/runners/. */
export const RUNNER_ID = /^(?!\.+$)[A-Za-z0-9._-]{1,64}$/; // never `.` or `..`
