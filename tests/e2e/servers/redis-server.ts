import { RedisServer } from '../../../tools/redis-server.js';
import { tempDir, whenDone } from './harness-server.js';

export type { RedisServer };

/** A real redis-server in a temp directory of the test, stopped when the test ends. */
export async function startRedis(shared?: (() => Promise<unknown>)[]): Promise<RedisServer> {
  const redis = await RedisServer.start(await tempDir(shared));
  whenDone(() => redis.stop(), shared);
  return redis;
}
