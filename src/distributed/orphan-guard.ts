import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line the worker tells its guardian: an attempt runs (with its pid once known), or ended. */
export type GuardLine = { kind: 'running'; runId: string; pid: number | null } | { kind: 'ended'; runId: string };

export function parseGuardLine(line: string): GuardLine | undefined {
  const match = /^([+-])([0-9a-f]{16})(?: (\d+))?$/.exec(line);
  if (!match) return undefined;
  return match[1] === '+' ? { kind: 'running', runId: match[2]!, pid: match[3] ? Number(match[3]) : null } : { kind: 'ended', runId: match[2]! };
}

/**
 * Kills what a worker that dies leaves running. An attempt runs in a process group of its own,
 * which outlives a SIGKILLed worker, and no other machine can reach it; its retry would start
 * beside it once the worker's lock ran out. So each worker starts a guardian, a small process
 * of its own group that reads on a pipe which attempts run: the pipe closes when the worker
 * dies, however it dies, and the guardian kills each attempt still listed, as a restart's
 * recovery does (its recorded group and every process carrying its HARNESS_RUN_ID), long
 * before the lock runs out.
 */
export class OrphanGuard {
  private constructor(private readonly child: ChildProcess) {}

  static start(log: (message: string) => void): OrphanGuard {
    const here = fileURLToPath(import.meta.url);
    const script = here.slice(0, -extname(here).length).replace(/orphan-guard$/, 'orphan-guardian') + extname(here);
    const child = spawn(process.execPath, [...process.execArgv, script], { detached: true, stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', (error: Error) => log(`the orphan guardian could not start: ${error.message}`));
    child.stdin!.on('error', () => undefined); // a guardian that is gone: nothing to tell
    // Neither keeps the worker alive: its exit closes the pipe, which is the guardian's signal.
    child.unref();
    (child.stdin as Socket).unref();
    return new OrphanGuard(child);
  }

  /** The attempt runs here, as process group `pid` once it is known. */
  running(runId: string, pid: number | null): void {
    this.child.stdin!.write(`+${runId}${pid === null ? '' : ` ${pid}`}\n`);
  }

  ended(runId: string): void {
    this.child.stdin!.write(`-${runId}\n`);
  }

  /** Lets the guardian go, once every attempt has ended: it kills nothing. */
  close(): void {
    this.child.stdin!.end();
  }
}
