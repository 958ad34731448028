import { readFile } from 'node:fs/promises';

/** Sends a signal to every process of a group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a process runs. A zombie (dead, not yet reaped: its parent died and PID 1 does not
 * reap, as in some containers) counts as gone; /proc tells them apart where it exists.
 */
export async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The state letter follows the command name, which is in parentheses and may hold spaces.
  return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/**
 * Kills a process group left behind by a server that died, but only when it is provably the
 * attempt's: its leader's environment carries HARNESS_RUN_ID=<runId>, or its leader is gone
 * while the group lives on (Linux never hands out a pid that is still some group's id, so that
 * group is still the attempt's). Returns whether a group was killed.
 */
export async function killOrphanedGroup(pgid: number, runId: string): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  let ours: boolean;
  if (await isProcessAlive(pgid)) {
    const environ = await readFile(`/proc/${pgid}/environ`, 'utf8').catch(() => '');
    ours = environ.split('\0').includes(`HARNESS_RUN_ID=${runId}`);
  } else {
    ours = true;
  }
  return ours && signalGroup(pgid, 'SIGKILL');
}
