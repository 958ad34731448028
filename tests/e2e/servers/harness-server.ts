import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Client, ClientCapabilities } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { onTestFinished } from 'vitest';
import { HarnessClient, newClient, type Revision } from './harness-client.js';

export const CLI = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));
const AGENTS = fileURLToPath(new URL('../../fixtures/agents/', import.meta.url));

/** The path of a fake agent executable in tests/fixtures/agents. */
export function agent(name: string): string {
  return join(AGENTS, name);
}

/** Short grace and heartbeat so tests do not wait on production-sized timers. */
export const TEST_CONFIG = {
  timeouts: { kill_grace_seconds: 1 },
  runners: { heartbeat_write_interval_seconds: 0.2 },
  retries: { max_attempts: 1, backoff_seconds: 0.1 },
};

/**
 * Runs `cleanup` when the current test ends; outside a test (a beforeAll), adds it to `shared`
 * for the caller's afterAll to run.
 */
export function whenDone(cleanup: () => Promise<unknown>, shared?: (() => Promise<unknown>)[]): void {
  if (shared) shared.push(cleanup);
  else onTestFinished(async () => void (await cleanup()));
}

/** A fresh temp directory, removed when the test ends (or with `shared`, see whenDone). */
export async function tempDir(shared?: (() => Promise<unknown>)[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-test-'));
  // Retried: rmdir meeting a file written a moment before (ENOTEMPTY) is not worth a failed test.
  // Harness.close waits for its scoreboard and attempts-index writes (tests/unit/scoreboard-files.test.ts
  // holds that), so a retry here hides no lost write of those.
  whenDone(() => rm(dir, { recursive: true, force: true, maxRetries: 5 }), shared);
  return dir;
}

/** This process's environment without the harness's own variables, so that only --runs-dir and --config steer the CLI. */
export function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.HARNESS_RUNS_DIR;
  delete env.HARNESS_CONFIG;
  return env;
}

/** A batch_goal_summary long enough for the default limit of 150 words. */
export function goal(topic = 'testing the harness'): string {
  return Array.from({ length: 160 }, (_, i) => (i % 10 === 0 ? topic.split(' ')[0] : `word${i}`)).join(' ');
}

export interface StartOptions {
  /** Reuse a runs root (restart tests); default: a new one under a temp dir. */
  runsDir?: string;
  config?: Record<string, unknown>;
  maxConcurrency?: number;
  /** Environment of the server on top of this process's (HOME, to give it a ~/.codex). */
  env?: Record<string, string>;
  /** For a server shared by a describe block: cleanups go here instead of the current test. */
  shared?: (() => Promise<unknown>)[];
  /** A command that execs the server (`unshare --net`: a network namespace of its own, as a container has). */
  wrapper?: string[];
  /** The MCP revision the client speaks (default legacy, 2025-11-25). */
  revision?: Revision;
  /** What the client says it can do (default nothing), e.g. `{ elicitation: {} }`. */
  clientCapabilities?: ClientCapabilities;
  /** More command-line options of the server (`--redis URL`). */
  args?: string[];
}

/** harness-mcp built and started as a child process, driven by the SDK Client over real stdio. */
export class HarnessServer extends HarnessClient {
  private constructor(
    client: Client,
    private readonly transport: StdioClientTransport,
    runsDir: string,
    private readonly stderrChunks: string[],
  ) {
    super(client, runsDir);
  }

  static async start(options: StartOptions = {}): Promise<HarnessServer> {
    const dir = await tempDir(options.shared);
    const runsDir = options.runsDir ?? join(dir, 'runs');
    const configPath = join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify({ ...TEST_CONFIG, ...options.config }));
    const args = [CLI, '--runs-dir', runsDir, '--config', configPath];
    if (options.maxConcurrency) args.push('--max-concurrency', String(options.maxConcurrency));
    args.push(...(options.args ?? []));
    const [command, ...wrapperArgs] = [...(options.wrapper ?? []), process.execPath];
    const transport = new StdioClientTransport({ command: command!, args: [...wrapperArgs, ...args], stderr: 'pipe', env: { ...process.env, ...options.env } as Record<string, string> });
    const stderrChunks: string[] = [];
    transport.stderr?.on('data', (chunk: Buffer) => stderrChunks.push(chunk.toString()));
    const client = newClient(options.revision, undefined, options.clientCapabilities);
    await client.connect(transport);
    // Like every real client: from here on the SDK validates structuredContent against the output schemas.
    await client.listTools();
    const server = new HarnessServer(client, transport, runsDir, stderrChunks);
    whenDone(() => server.stop(), options.shared);
    return server;
  }

  get pid(): number {
    return this.transport.pid!;
  }
  get stderr(): string {
    return this.stderrChunks.join('');
  }

  /** Closes stdin, which shuts the server down (running attempts end runner_lost). */
  async stop(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}

/** The step entry of a scoreboard. */
export function stepOf(board: any, jobId: string, stepId: string): any {
  const step = board.steps.find((s: any) => s.job_id === jobId && s.step_id === stepId);
  if (!step) throw new Error(`no step ${jobId}/${stepId} in ${JSON.stringify(board.steps)}`);
  return step;
}

// Derived views the server rewrites whenever it likes; no request writes them.
const DERIVED = /\/(scoreboard\.(batch|system)|attempts_index)\.json/; // with write-file-atomic's temp names

/**
 * Every file below a directory with its size and the start of its content, to prove that a
 * refused request changed nothing. The derived scoreboards and attempts index are left out.
 */
export async function treeSnapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        out[`${path.slice(root.length)}/`] = 'dir';
        await walk(path);
      } else {
        if (DERIVED.test(path)) continue;
        const info = await stat(path);
        out[path.slice(root.length)] = `${info.size}:${(await readFile(path)).toString('base64').slice(0, 64)}`;
      }
    }
  };
  await walk(root);
  return out;
}

// Taken when this module loads, before any test fakes the clock: a real process keeps real time,
// so eventually() waits on it even in a test whose setTimeout and Date are fake.
const realSetTimeout = globalThis.setTimeout;

/** Polls a condition that a real process will make true; gives up with what it last saw. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}; last saw ${String(last)}`);
    await new Promise((r) => realSetTimeout(r, 50));
  }
}

export { isProcessAlive } from '../../../src/process/process-group.js';

/**
 * `work` under `dir`, made if need be: a working directory beside a runs root at `dir/runs`, as
 * a job may not work in a directory that holds its runs root.
 */
export async function workDirIn(dir: string): Promise<string> {
  const work = join(dir, 'work');
  await mkdir(work, { recursive: true });
  return work;
}

/** A launch table of one job `j` of command steps in `dir`; `extra` adds or replaces top-level fields. */
export function oneJob(dir: string, steps: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs: [{ job_id: 'j', working_directory: dir, steps }], ...extra };
}

/** Runs the built CLI to its end in `cwd` (a temp dir, so nothing lands in the checkout) without the harness's own variables; never throws, so exit codes can be asserted. */
export async function runCli(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env: cliEnv(), maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
