import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Request, Response } from 'express';
import { HarnessError, InvalidArgumentError, isTerminal, RunIdSchema } from '../core/index.js';
import type { Harness } from '../harness/index.js';

/** The files of an attempt that grow while it runs. */
export const FOLLOWED_LOGS = ['stdout', 'stderr', 'events'] as const;
type FollowedLog = (typeof FOLLOWED_LOGS)[number];

// A chatty agent writes thousands of lines a second: a page hears of growth at most this often.
const COALESCE_MS = 50;
// Each follow holds a directory watch (an inotify watch on Linux, of which a user has a few thousand).
export const MAX_FOLLOWS = 256;

export class TooManyFollowsError extends HarnessError {
  readonly code = 'too_many_follows';
}

function followedLog(value: unknown): FollowedLog {
  if ((FOLLOWED_LOGS as readonly unknown[]).includes(value)) return value as FollowedLog;
  throw new InvalidArgumentError('name', `follows ${FOLLOWED_LOGS.join(', ')}, not \`${String(value)}\``);
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0, // not written yet
  );
}

/**
 * `GET /api/follow?run_id=&name=stdout|stderr|events`: server-sent events saying how big an
 * attempt's log is, each time it grows (`size`), and `ended` once the attempt has ended and
 * its log is whole. Output grows without any state change (heartbeats are written seconds
 * apart, and only state.json), so the page learns of it here, from a watch on the attempt's
 * directory, and reads the new bytes through fetch_artifact like every other read.
 */
export class LogFollows {
  private readonly open = new Set<() => void>();

  constructor(private readonly harness: Harness) {}

  async follow(req: Request, res: Response): Promise<void> {
    const parsed = RunIdSchema.safeParse(req.query.run_id);
    if (!parsed.success) throw new InvalidArgumentError('run_id', 'give the attempt’s run_id (16 lowercase hex digits)');
    const runId = parsed.data;
    const name = followedLog(req.query.name);
    if (this.open.size >= MAX_FOLLOWS) {
      throw new TooManyFollowsError(`${MAX_FOLLOWS} logs are followed already, the most this server watches at once; close a step page (or its tab)`);
    }
    // The slot is taken, and the page's leaving heard, before anything is awaited: a page that
    // goes while its attempt is looked up must not leave a watch behind, nor many at once pass the cap.
    let gone = false;
    const leave = () => {
      gone = true;
      this.open.delete(leave);
    };
    this.open.add(leave);
    req.on('close', leave);
    let location: Awaited<ReturnType<Harness['reader']['locateRun']>>;
    try {
      location = await this.harness.reader.locateRun(runId);
    } finally {
      this.open.delete(leave);
    }
    if (gone) return;
    const file = this.harness.paths.artifactFile(location, name);

    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    let sent = -1;
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;
    let checking = Promise.resolve();
    const stop = () => {
      clearTimeout(timer);
      watcher?.close();
      this.open.delete(stop);
      res.end();
    };
    const check = async () => {
      // Terminal first, size after: a log read after the end is whole.
      const ended = isTerminal((await this.harness.reader.findAttempt(runId)).state.status);
      const size = await sizeOf(file);
      if (size !== sent) res.write(`event: size\ndata: ${JSON.stringify({ size })}\n\n`);
      sent = size;
      if (ended) {
        res.write('event: ended\ndata: {}\n\n');
        stop();
      }
    };
    const schedule = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        checking = checking.then(check).catch(stop);
      }, COALESCE_MS);
    };
    this.open.add(stop);
    req.on('close', stop);
    try {
      // The directory, not the file: the log may not exist yet, and state.json is replaced by rename.
      watcher = watch(this.harness.paths.attemptDir(location), schedule);
    } catch {
      return stop(); // the attempt's directory went (gc) since it was found: nothing to follow
    }
    watcher.on('error', stop);
    checking = checking.then(check).catch(stop);
  }

  close(): void {
    for (const stop of [...this.open]) stop();
  }
}
