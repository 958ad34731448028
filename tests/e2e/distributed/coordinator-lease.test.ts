import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CoordinatorLease, redisConnectionOf } from '../../../src/distributed/index.js';
import { leaseKeyOf } from '../../../src/distributed/coordinator-lease.js';
import { startRedis, type RedisServer } from '../servers/redis-server.js';

const PREFIX = '{harness-test}';
const holder = (runnerId: string) => ({ runner_id: runnerId, hostname: 'here', pid: 1 });

/** Takes the lease for `runnerId`, failing the test if another holds it; released when the test ends. */
async function take(redis: RedisServer, runnerId: string, leaseMs: number, onLost: (why: string) => void = () => undefined): Promise<CoordinatorLease> {
  const taken = await CoordinatorLease.acquire(redisConnectionOf(redis.url), PREFIX, holder(runnerId), leaseMs, onLost);
  if (!('lease' in taken)) throw new Error(`the lease is held by ${taken.heldBy}`);
  onTestFinished(() => taken.lease.release());
  return taken.lease;
}

describe('the coordinator lease in Redis', () => {
  it('lets one holder at a time take it, each with a fencing token one above the last, and names the holder to the others', async () => {
    const redis = await startRedis();
    const first = await take(redis, 'c1', 10_000);
    expect(first.fence).toBe(1);
    expect(first.valid()).toBe(true);
    const refused = await CoordinatorLease.acquire(redisConnectionOf(redis.url), PREFIX, holder('c2'), 10_000, () => undefined);
    expect(refused).toEqual({ heldBy: 'c1 (pid 1 on here, fence 1)' });

    await first.release();
    expect(first.valid()).toBe(false);
    const second = await take(redis, 'c2', 10_000);
    expect(second.fence).toBe(2);
  });

  it('is lost, and its holder told, when another holder took the key over', async () => {
    const redis = await startRedis();
    let told!: (why: string) => void;
    const lost = new Promise<string>((resolve) => (told = resolve));
    const lease = await take(redis, 'c1', 600, told);
    // What another coordinator's taking looks like to this one's next renewal (at a third of the lease).
    const other = new Redis(redisConnectionOf(redis.url).options);
    onTestFinished(() => void other.disconnect());
    await other.set(leaseKeyOf(PREFIX), '9 {"runner_id":"c9"}', 'PX', 60_000);
    expect(await lost).toMatch(/gone from Redis or another coordinator holds it/);
    expect(lease.valid()).toBe(false);
    expect(await other.get(leaseKeyOf(PREFIX))).toBe('9 {"runner_id":"c9"}'); // the loser deletes nothing
  });

  it('counts itself lost before Redis would let another take it, when Redis does not answer', async () => {
    const redis = await startRedis();
    let told!: (why: string) => void;
    const lost = new Promise<string>((resolve) => (told = resolve));
    const lease = await take(redis, 'c1', 1000, told);
    const pid = redis.pid!;
    process.kill(pid, 'SIGSTOP');
    onTestFinished(() => void process.kill(pid, 'SIGCONT'));
    expect(await lost).toMatch(/not renewed within 1000 ms/);
    expect(lease.valid()).toBe(false);
  });
});
