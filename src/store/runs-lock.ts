import { createHash } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stat, unlink } from 'node:fs/promises';
import { z } from 'zod';
import { nowIso } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';
import type { RunsPaths } from './paths.js';

export const OwnerSchema = z.strictObject({
  pid: z.int(),
  runner_id: z.string(),
  hostname: z.string(),
  since: z.string(),
});
export type Owner = z.infer<typeof OwnerSchema>;

/**
 * Takes a kernel lock on the file at `path` for this process's life (flock(2), see
 * lockFileExclusively in process/), or returns undefined when another process holds it.
 */
export type LockFile = (path: string) => Promise<{ release(): Promise<void> } | undefined>;

/**
 * The lock that lets one server at a time run attempts from a runs root. It is two locks, both
 * freed by the kernel the moment their holder dies, even by SIGKILL, so a crashed server never
 * leaves a stale lock behind:
 *
 * - a kernel lock on `_system/lock` inside the root. It is on the inode, so it holds off any
 *   other server on this kernel that reaches the root by any path, two containers sharing a
 *   volume included, whose network namespaces keep their abstract sockets apart;
 * - a listening Unix socket whose name derives from the root directory's device and inode, which
 *   a server or command that only reads can probe without taking anything (isHeld), by any path
 *   to the root. On Linux the name is in the abstract namespace (one per network namespace);
 *   elsewhere the socket is a file in the temp dir, and one left by a dead server refuses
 *   connections, which marks it stale.
 *
 * A runs root on a network filesystem shared by two machines is not protected by it: there the
 * distributed mode's coordinator lease in Redis is (distributed/coordinator-lease.ts). owner.json
 * beside the store says who holds it, for people and error messages.
 */
export class RunsLock {
  private constructor(
    private readonly server: Server,
    private readonly file: { release(): Promise<void> },
  ) {}

  /** Takes the lock, or returns undefined when another live server holds it (by this path or another). */
  static async acquire(paths: RunsPaths, runnerId: string, lockFile: LockFile): Promise<RunsLock | undefined> {
    const address = await lockAddress(paths.root);
    const server = (await listen(address)) ?? (await takeOverStaleSocketFile(address));
    if (!server) return undefined;
    const file = await lockFile(paths.lockFile).catch(async (error: unknown) => {
      await closeServer(server);
      throw error;
    });
    if (!file) {
      await closeServer(server);
      return undefined;
    }
    const owner: Owner = { pid: process.pid, runner_id: runnerId, hostname: hostname(), since: nowIso() };
    await writeJsonAtomic(paths.ownerFile, owner);
    return new RunsLock(server, file);
  }

  /**
   * Whether a live server holds the lock, without taking it: a connection to the lock's socket
   * succeeds only while its owner listens. A root that does not exist is held by nobody.
   */
  static async isHeld(paths: RunsPaths): Promise<boolean> {
    const address = await lockAddress(paths.root).catch(() => undefined);
    return address !== undefined && (await answers(address));
  }

  static readOwner(paths: RunsPaths): Promise<Owner | undefined> {
    return readJsonIfExists(paths.ownerFile, OwnerSchema).catch(() => undefined);
  }

  async release(): Promise<void> {
    await this.file.release();
    await closeServer(this.server);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The socket's name, from the root directory's device and inode: every path to it (a bind mount, a symlink) names one socket. */
async function lockAddress(root: string): Promise<string> {
  const { dev, ino } = await stat(root, { bigint: true });
  const digest = createHash('sha256').update(`${dev}:${ino}`).digest('hex').slice(0, 32);
  return process.platform === 'linux'
    ? `\0harness-mcp-${digest}`
    : join(tmpdir(), `harness-mcp-${digest}.sock`);
}

function listen(address: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(error);
    });
    server.listen(address, () => resolve(server));
  });
}

function answers(address: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(address, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Outside Linux: a socket file nobody listens on is a dead server's; remove it and try again. */
async function takeOverStaleSocketFile(address: string): Promise<Server | undefined> {
  if (address.startsWith('\0')) return undefined;
  if (await answers(address)) return undefined;
  await unlink(address).catch(() => undefined);
  return listen(address);
}
