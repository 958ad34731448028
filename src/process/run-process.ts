import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { BoundedTail } from './bounded-tail.js';
import { LineSplitter } from './line-splitter.js';
import { signalGroup } from './process-group.js';

export interface ProcessSpec {
  /** The program and its arguments; run without a shell. */
  argv: readonly [string, ...string[]];
  cwd: string;
  /** Added to the server's own environment. */
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** Aborting it cancels the process (the whole group is killed). */
  signal: AbortSignal;
  onSpawn?: (pid: number) => void;
  /** Any output at all: the activity heartbeat. */
  onActivity?: () => void;
  /** Each stdout line, for agents that speak JSONL. */
  onStdoutLine?: (line: string, truncated: boolean) => void;
}

/** How a process ended: data, never an exception (docs/spec.md §5, STYLE "failure as data"). */
export interface ProcessOutcome {
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  canceled: boolean;
  /** Set when the program could not be started at all (missing binary, bad cwd). */
  spawnError: string | null;
  /** Set when its output could not be written to disk (full disk, say); the group was killed then. */
  outputError: string | null;
  stdoutTail: string;
  stderrTail: string;
}

/**
 * Runs one program in its own process group, streaming stdout and stderr to files as they come
 * (with bounded tails kept in memory). On timeout or cancel the whole group gets SIGTERM, then
 * SIGKILL after the grace period. When the program itself exits, whatever it left running in
 * its group gets the same treatment, so no step leaves processes (or open pipes) behind.
 */
export async function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  const [file, ...args] = spec.argv;
  const stdoutTail = new BoundedTail();
  const stderrTail = new BoundedTail();
  let timedOut = false;
  let canceled = false;
  let outputError: string | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  let pgid: number | undefined;

  const subprocess = execa(file, args, {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    detached: true, // a new process group, so the group can be killed as one
    cleanup: false,
  });

  const terminateGroup = () => {
    if (pgid === undefined || killTimer) return;
    signalGroup(pgid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pgid!, 'SIGKILL'), spec.killGraceMs);
  };
  const timeoutTimer = setTimeout(() => {
    timedOut = !canceled;
    terminateGroup();
  }, spec.timeoutMs);
  const onAbort = () => {
    canceled = !timedOut;
    terminateGroup();
  };

  // Output that cannot be kept is no run worth continuing: the group is stopped and the error kept.
  const onWriteError = (path: string) => (error: Error) => {
    outputError ??= `could not write ${path}: ${error.message}`;
    terminateGroup();
  };
  const splitter = spec.onStdoutLine ? new LineSplitter(spec.onStdoutLine) : undefined;
  const stdoutFile = createWriteStream(spec.stdoutPath, { flags: 'a' });
  const stderrFile = createWriteStream(spec.stderrPath, { flags: 'a' });
  const stdoutDone = copyStream(subprocess.stdout, stdoutFile, onWriteError(spec.stdoutPath), (chunk) => {
    stdoutTail.push(chunk);
    splitter?.push(chunk);
    spec.onActivity?.();
  });
  const stderrDone = copyStream(subprocess.stderr, stderrFile, onWriteError(spec.stderrPath), (chunk) => {
    stderrTail.push(chunk);
    spec.onActivity?.();
  });

  if (subprocess.pid !== undefined) {
    pgid = subprocess.pid;
    spec.onSpawn?.(pgid);
    if (spec.signal.aborted) onAbort();
    else spec.signal.addEventListener('abort', onAbort, { once: true });
  }
  // The leader's exit ends the step; stragglers in its group are terminated, and a process that
  // left the group (setsid) and still holds a pipe is cut off once the grace period is over.
  subprocess.once('exit', () => {
    if (pgid !== undefined && signalGroup(pgid, 0)) terminateGroup();
    setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, spec.killGraceMs + 1000).unref();
  });

  const result = await subprocess;
  await Promise.all([stdoutDone, stderrDone]);
  splitter?.end();
  clearTimeout(timeoutTimer);
  clearTimeout(killTimer);
  spec.signal.removeEventListener('abort', onAbort);

  const spawnFailed = pgid === undefined;
  return {
    pid: pgid ?? null,
    exitCode: spawnFailed ? null : (result.exitCode ?? null),
    signal: result.signal ?? null,
    timedOut,
    canceled,
    spawnError: spawnFailed ? (result.shortMessage ?? `could not start ${file}`) : null,
    outputError,
    stdoutTail: stdoutTail.text(),
    stderrTail: stderrTail.text(),
  };
}

/**
 * Copies a stream into a file with backpressure; resolves once the file is flushed and closed.
 * When the file cannot be written the source is still read to its end (so the writer never
 * blocks on a full pipe) and only the in-memory tail keeps it.
 */
async function copyStream(source: Readable | null, sink: WriteStream, onError: (error: Error) => void, onChunk: (chunk: Buffer) => void): Promise<void> {
  let failed = false;
  sink.on('error', (error) => {
    if (failed) return;
    failed = true;
    source?.resume();
    onError(error);
  });
  if (source) {
    await new Promise<void>((resolve) => {
      source.on('data', (chunk: Buffer) => {
        onChunk(chunk);
        if (failed) return;
        if (!sink.write(chunk)) {
          source.pause();
          sink.once('drain', () => source.resume());
        }
      });
      source.once('close', resolve);
      source.once('error', () => resolve());
    });
  }
  if (failed) return void sink.destroy();
  await new Promise<void>((resolve) => sink.end(() => resolve()));
}
