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
 * Kills a process group left behind by a server that died, but only when it is provably the
 * attempt's: its leader's environment carries HARNESS_RUN_ID=<runId>, or its leader is gone
 * while the group lives on (Linux never hands out a pid that is still some group's id, so that
 * group is still the attempt's). Returns whether a group was killed.
 */
export async function killOrphanedGroup(pgid: number, runId: string): Promise<boolean> {
  let environ: string | undefined;
  try {
    environ = await readFile(`/proc/${pgid}/environ`, 'utf8');
  } catch {
    environ = undefined;
  }
  const leaderAlive = (() => {
    try {
      process.kill(pgid, 0);
      return true;
    } catch {
      return false;
    }
  })();
  const ours = leaderAlive ? environ?.split('\0').includes(`HARNESS_RUN_ID=${runId}`) === true : signalGroup(pgid, 0);
  return ours && signalGroup(pgid, 'SIGKILL');
}
