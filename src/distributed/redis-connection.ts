import { Redis } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import { RedisConfigError } from '../core/index.js';

/** Where the password comes from: never the URL (it would show in `ps`) nor the config file. */
export const REDIS_PASSWORD_VARIABLE = 'HARNESS_REDIS_PASSWORD';

export interface RedisConnectionOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: ConnectionOptions;
  maxRetriesPerRequest: null;
}

/** How the coordinator and the workers reach Redis: ioredis options, and the address to show. */
export interface RedisConnection {
  /** Options both ioredis and BullMQ take. */
  options: RedisConnectionOptions;
  /** The URL without credentials, for logs and health. */
  display: string;
}

/**
 * Reads `--redis URL` (`redis://[user@]host[:port][/db]`, or `rediss://` for TLS) with the
 * password from $HARNESS_REDIS_PASSWORD. A URL that carries a password is refused.
 */
export function redisConnectionOf(url: string, env: NodeJS.ProcessEnv = process.env): RedisConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisConfigError(`--redis ${JSON.stringify(url)} is not a URL: give redis://host:port (or rediss:// for TLS)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisConfigError(`--redis ${JSON.stringify(parsed.protocol)} is not supported: give redis://host:port (or rediss:// for TLS)`);
  }
  if (parsed.password) throw new RedisConfigError(`--redis must not carry the password (it would show in the process list): put it in $${REDIS_PASSWORD_VARIABLE}`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new RedisConfigError(`--redis path ${JSON.stringify(parsed.pathname)} is not a database number`);
  const password = env[REDIS_PASSWORD_VARIABLE] || undefined;
  const options: RedisConnectionOptions = {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(password ? { password } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: { servername: parsed.hostname } } : {}),
    // BullMQ's workers block on Redis and must retry for as long as it is away.
    maxRetriesPerRequest: null,
  };
  return { options, display: `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${db ? `/${db}` : ''}` };
}

/**
 * Connects once to check the server can be used: reachable, and not a Redis Cluster (whose
 * nodes would answer our multi-key scripts with MOVED: the supported set-up is one Redis,
 * with a replica for failover if wanted).
 */
export async function checkRedis(connection: RedisConnection): Promise<void> {
  const client = new Redis({ ...connection.options, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined); // the failed connect below says it
  try {
    await client.connect().catch((error: Error) => {
      throw new RedisConfigError(`cannot reach Redis at ${connection.display}: ${error.message}`);
    });
    const info = await client.info('cluster');
    if (/cluster_enabled:1/.test(info)) throw new RedisConfigError(`Redis at ${connection.display} is a Redis Cluster node, which harness-mcp does not support: use one Redis server (with replicas if wanted)`);
  } finally {
    client.disconnect();
  }
}
