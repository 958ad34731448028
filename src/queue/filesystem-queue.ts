import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { HarnessError, LaunchTableInvalidError, nowIso, readPlantedFile } from '../core/index.js';
import { writeJsonAtomic, type RunsPaths } from '../store/index.js';

type Submit = (table: unknown) => Promise<{ meta: { batch_id: string }; deduplicated: boolean }>;

// A file counts as written once its size has stood still this long (for writers that do not rename).
const STABLE_MS = 300;

/**
 * The filesystem queue (docs/spec.md §8.3): a launch table dropped into runs/_system/queue/inbox/ is
 * submitted exactly once and moved to accepted/ (with <name>.result.json) or rejected/ (with
 * <name>.errors.json). A file is claimed by renaming it into processing/, which is atomic, and
 * submitted with an idempotency key made of its name and content: a server that dies between
 * submitting and moving it finds it in processing/ at the next start, and the repeat returns
 * the batch already made instead of a second one.
 */
export class FilesystemQueue {
  private watcher: FSWatcher | undefined;
  private readonly busy = new Set<string>();

  /** `maxBytes`: limits.max_launch_table_bytes; a bigger file is refused without being read. */
  constructor(
    private readonly paths: RunsPaths,
    private readonly maxBytes: number,
    private readonly submit: Submit,
    private readonly log: (message: string) => void,
  ) {}

  async start(): Promise<void> {
    for (const stage of ['inbox', 'processing', 'accepted', 'rejected'] as const) await mkdir(this.paths.queueDir(stage), { recursive: true });
    // Left in processing/ by a server that died mid-way: finish them first.
    for (const name of await readdir(this.paths.queueDir('processing'))) await this.process(join(this.paths.queueDir('processing'), name), name);
    this.watcher = watch(this.paths.queueDir('inbox'), {
      depth: 0,
      ignoreInitial: false, // files that arrived while no server ran are taken too
      awaitWriteFinish: { stabilityThreshold: STABLE_MS, pollInterval: 50 },
      followSymlinks: false, // a link is claimed as itself and refused, never read through
      ignored: (path, stats) => Boolean(stats?.isFile()) && !isLaunchTableName(basename(path)),
    });
    this.watcher.on('add', (path) => void this.claim(path));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
  }

  private async claim(path: string): Promise<void> {
    const name = basename(path);
    if (!isLaunchTableName(name)) return;
    // A table of the same name is still being handled: take this one once that is done.
    if (this.busy.has(name)) return void setTimeout(() => void this.claim(path), STABLE_MS);
    const claimed = join(this.paths.queueDir('processing'), name);
    try {
      await rename(path, claimed);
    } catch {
      return; // gone already: another claim took it
    }
    await this.process(claimed, name);
  }

  private async process(claimed: string, name: string): Promise<void> {
    this.busy.add(name);
    try {
      const read = await readRegularFile(claimed, this.maxBytes);
      if ('refused' in read) {
        this.log(`queue: ${name} rejected: ${read.refused}`);
        return await this.finish(claimed, name, 'rejected', { problems: [{ path: '(root)', message: read.refused }] });
      }
      const { text } = read;
      let table: unknown;
      try {
        table = JSON.parse(text);
      } catch {
        // JSON.parse quotes the input; an errors file says nothing of what the file holds.
        return await this.finish(claimed, name, 'rejected', { problems: [{ path: '(root)', message: 'not JSON: the file does not parse as JSON' }] });
      }
      if (table && typeof table === 'object' && !Array.isArray(table) && !('idempotency_key' in table)) {
        const digest = createHash('sha256').update(text).digest('hex').slice(0, 32);
        table = { ...table, idempotency_key: `queue:${name}:${digest}` };
      }
      try {
        const { meta, deduplicated } = await this.submit(table);
        await this.finish(claimed, name, 'accepted', { batch_id: meta.batch_id, deduplicated });
        this.log(`queue: ${name} accepted as batch ${meta.batch_id}`);
      } catch (error) {
        if (!(error instanceof HarnessError)) throw error;
        const problems = error instanceof LaunchTableInvalidError ? error.problems : [{ path: '(root)', message: error.message }];
        await this.finish(claimed, name, 'rejected', { code: error.code, problems });
        this.log(`queue: ${name} rejected (${problems.length} problems)`);
      }
    } catch (error) {
      this.log(`queue: ${name} stays in processing/ and is taken again at the next start: ${(error as Error).message}`);
    } finally {
      this.busy.delete(name);
    }
  }

  /** Moves the table beside its outcome: <name>.result.json or <name>.errors.json. */
  private async finish(claimed: string, name: string, stage: 'accepted' | 'rejected', outcome: Record<string, unknown>): Promise<void> {
    const target = await freeName(this.paths.queueDir(stage), name);
    // Owner-only: the outcome of someone's submission is theirs and the server's, not the machine's.
    await writeJsonAtomic(`${target}.${stage === 'accepted' ? 'result' : 'errors'}.json`, { file: name, at: nowIso(), ...outcome }, { mode: 0o600 });
    await rename(claimed, target);
  }
}

/** The text of a claimed file when it is a regular file of one link and at most `maxBytes`, or why not. */
async function readRegularFile(path: string, maxBytes: number): Promise<{ text: string } | { refused: string }> {
  const read = await readPlantedFile(path, maxBytes, 'limits.max_launch_table_bytes');
  if ('refused' in read && !read.tooBig) return { refused: `${read.refused}; the queue takes only regular files` };
  return read;
}

/** Launch tables are *.json files; dot files and our own outcome files are not. */
function isLaunchTableName(name: string): boolean {
  return name.endsWith('.json') && !name.startsWith('.') && !/\.(result|errors)\.json$/.test(name);
}

/** `name`, or `name` with a timestamp when a table of that name was handled before. */
async function freeName(dir: string, name: string): Promise<string> {
  const plain = join(dir, name);
  const taken = await stat(plain).then(
    () => true,
    () => false,
  );
  return taken ? join(dir, `${name.replace(/\.json$/, '')}-${Date.now()}.json`) : plain;
}
