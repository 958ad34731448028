// The orphan guardian of one worker, a process of its own (see OrphanGuard): it hears on stdin
// which attempts the worker runs, and when stdin ends, because the worker exited or died, even
// by SIGKILL, it kills what is left of each one still listed.
import { createInterface } from 'node:readline';
import { AttemptOrphans } from '../process/index.js';
import { parseGuardLine } from './orphan-guard.js';

const running = new Map<string, number | null>();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const parsed = parseGuardLine(line);
  if (parsed?.kind === 'running') running.set(parsed.runId, parsed.pid);
  else if (parsed?.kind === 'ended') running.delete(parsed.runId);
});
lines.on('close', () => {
  const orphans = new AttemptOrphans();
  void Promise.all([...running].map(([runId, pid]) => orphans.kill(runId, pid).catch(() => []))).finally(() => process.exit(0));
});
