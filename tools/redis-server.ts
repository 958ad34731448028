// A real redis-server (Debian's) on a loopback port of its own, AOF on, in a directory the caller
// gives; for the tests and the bench. Stopped by pid, never by name.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A port free now on 127.0.0.1 (redis-server cannot be asked to pick one and say which). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class RedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Starts one in `dir` (its AOF goes there), retrying when another process took the port first. */
  static async start(dir: string): Promise<RedisServer> {
    for (let tries = 0; ; tries++) {
      const server = new RedisServer(dir, await freePort());
      try {
        await server.launch();
        return server;
      } catch (error) {
        if (tries >= 3) throw error;
      }
    }
  }

  /** The server's pid while it runs (a test may SIGSTOP it to cut its clients off). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited ${code} before it was ready:\n${output}`)));
      child.once('error', reject);
    });
  }

  /** Stops it (SIGTERM: it writes its AOF and exits) and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops and starts it again on the same port and directory: what was in its AOF is back. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }
}
