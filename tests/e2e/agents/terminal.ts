import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isProcessAlive, whenDone } from '../servers/harness-server.js';

/** A command running under a pseudo-terminal of its own, as a person at a terminal runs it. */
export interface Terminal {
  /** What the terminal showed so far, escape sequences taken out (for failure messages). */
  screen(): string;
  /** Ends the command and its terminal, by their pids, and waits for both to be gone. */
  stop(): Promise<void>;
}

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

// CSI and OSC sequences, and the other two-byte escapes a full-screen program writes.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/**
 * Starts `argv` under util-linux `script`, which gives it a pseudo-terminal of `columns` x
 * `rows`; its input is a pipe that nobody types into. Stopped when the test ends.
 */
export function startInTerminal(argv: string[], options: { cwd: string; env: Record<string, string>; columns?: number; rows?: number }): Terminal {
  // The shell sets the size, then becomes the command, so the command has the shell's pid.
  const command = `stty cols ${options.columns ?? 200} rows ${options.rows ?? 50}; exec ${argv.map(shellQuote).join(' ')}`;
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    cwd: options.cwd,
    env: { TERM: 'xterm-256color', SHELL: '/bin/sh', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      // script's one child is the command (the shell exec'd it).
      const children = await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(() => '');
      const commandPid = Number(children.trim().split(/\s+/)[0]) || undefined;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (commandPid !== undefined && (await isProcessAlive(commandPid))) process.kill(commandPid, 'SIGKILL');
    })());
  whenDone(stop);
  return {
    screen: () => Buffer.concat(chunks).toString('utf8').replace(ESCAPES, ''),
    stop,
  };
}
