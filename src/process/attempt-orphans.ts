import { readdir, readFile } from 'node:fs/promises';
import { isProcessAlive, killOrphanedGroup, signalGroup } from './process-group.js';

// Every attempt's process is spawned with HARNESS_RUN_ID in its environment, and its children inherit it.
const RUN_ID_VARIABLE = /(?:^|\0)HARNESS_RUN_ID=([0-9a-f]{16})(?:\0|$)/;
// SIGKILL cannot be caught; only a process stuck in the kernel (a dead NFS mount) outlasts this.
const DEATH_WAIT_MS = 10_000;

interface Found {
  pid: number;
  pgid: number;
}

/**
 * What a dead server left running, found for a restart to kill before it retries (docs/spec.md §5
 * "restart recovery"). The recorded pid alone is not enough: a server killed between spawning an
 * attempt and writing its pid leaves `pid: null` in state.json while the process works on. So
 * /proc is read once, on first use, for the HARNESS_RUN_ID each process carries, and a process
 * naming an attempt to recover is killed with its process group. Where there is no /proc (macOS)
 * only recorded pids are known.
 */
export class AttemptOrphans {
  private table: Promise<{ byRunId: Map<string, Found[]>; ownGroup: number | undefined }> | undefined;

  /**
   * Kills what is left of attempt `runId`: the process group of its recorded pid when provably
   * the attempt's, and every process whose environment names it, with its group. Resolves once
   * they are all gone (a zombie counts as gone), or after 10 s; returns the pids killed.
   */
  async kill(runId: string, recordedPid: number | null): Promise<number[]> {
    const killed: number[] = [];
    if (recordedPid !== null && (await killOrphanedGroup(recordedPid, runId))) killed.push(recordedPid);
    const { byRunId, ownGroup } = await this.read();
    for (const found of byRunId.get(runId) ?? []) {
      // Never this server's own group, should it have been started from within an attempt.
      if (found.pgid !== ownGroup) signalGroup(found.pgid, 'SIGKILL');
      if (killProcess(found.pid) && !killed.includes(found.pid)) killed.push(found.pid);
    }
    await waitForDeath(killed);
    return killed;
  }

  private read(): Promise<{ byRunId: Map<string, Found[]>; ownGroup: number | undefined }> {
    this.table ??= Promise.all([readRunIdTable(), processGroupOf('self')]).then(([byRunId, ownGroup]) => ({ byRunId, ownGroup }));
    return this.table;
  }
}

/** Every process (but this one) whose environment carries a HARNESS_RUN_ID, by run id. */
async function readRunIdTable(): Promise<Map<string, Found[]>> {
  const table = new Map<string, Found[]>();
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  await Promise.all(
    pids.map(async (name) => {
      const environ = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
      const runId = RUN_ID_VARIABLE.exec(environ)?.[1];
      const pgid = runId ? await processGroupOf(name) : undefined;
      if (!runId || pgid === undefined) return;
      const list = table.get(runId) ?? [];
      list.push({ pid: Number(name), pgid });
      table.set(runId, list);
    }),
  );
  return table;
}

/** The process group of a /proc entry (`self` or a pid), from the fifth field of its stat line. */
async function processGroupOf(entry: string): Promise<number | undefined> {
  const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
  // The command name is in parentheses and may hold spaces; state, ppid and pgrp follow it.
  const pgrp = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[2];
  return pgrp === undefined ? undefined : Number(pgrp);
}

function killProcess(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** Polls until every pid is gone: a retry must not start while the old run still holds its files or locks. */
async function waitForDeath(pids: readonly number[]): Promise<void> {
  const deadline = performance.now() + DEATH_WAIT_MS;
  for (const pid of pids) {
    while ((await isProcessAlive(pid)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }
}
