import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, cliEnv, TEST_CONFIG, tempDir, whenDone } from './harness-server.js';

export interface WorkerStart {
  runsDir: string;
  redisUrl: string;
  runnerId: string;
  slots?: number;
  agents?: string[];
  config?: Record<string, unknown>;
  /** More environment (on top of this process's, with HOME its own). */
  env?: Record<string, string>;
  /** Start drained (`--drain`). */
  drain?: boolean;
  /** Fills the worker's own HOME before it starts (an agent's credentials). */
  prepareHome?: (home: string) => Promise<void>;
}

/** `harness-mcp worker` as a process of its own, with its own HOME; stopped by pid. */
export class WorkerProcess {
  private readonly stderrChunks: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly runnerId: string,
  ) {}

  static async start(options: WorkerStart): Promise<WorkerProcess> {
    const dir = await tempDir();
    const home = join(dir, 'home');
    await mkdir(home);
    await options.prepareHome?.(home);
    const configPath = join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify({ ...TEST_CONFIG, ...options.config }));
    const args = [CLI, 'worker', '--runs-dir', options.runsDir, '--config', configPath, '--redis', options.redisUrl, '--runner-id', options.runnerId];
    if (options.slots) args.push('--slots', String(options.slots));
    if (options.agents) args.push('--agents', options.agents.join(','));
    if (options.drain) args.push('--drain');
    const child = spawn(process.execPath, args, { env: { ...cliEnv(), ...options.env, HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
    const worker = new WorkerProcess(child, options.runnerId);
    whenDone(() => worker.stop());
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        worker.stderrChunks.push(chunk.toString());
        if (worker.stderr.includes(': taking ')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the worker exited ${code} before it was ready:\n${worker.stderr}`)));
    });
    return worker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stderr(): string {
    return this.stderrChunks.join('');
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Sends `signal` and waits for the exit (SIGTERM: attempts under way end runner_lost first). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    if (signal !== 'SIGKILL') this.child.kill('SIGCONT'); // one a test stopped (SIGSTOP) must run to act on the signal
    await exited;
  }
}
