import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisConnection } from './redis-connection.js';

/** Who holds the lease, as its key's value says (for people, logs and the next holder). */
export interface LeaseHolder {
  runner_id: string;
  hostname: string;
  pid: number;
}

// Takes the lease if nobody holds it: a new fencing token (one more than the last holder's) and
// the holder's value with the token in it. Returns the token, or 0 when held.
const ACQUIRE = `
if redis.call('exists', KEYS[1]) == 1 then return 0 end
local fence = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], fence .. ' ' .. ARGV[1], 'PX', ARGV[2])
return fence`;
// Extends the lease only while it is still this holder's (its token and id unchanged).
const RENEW = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('pexpire', KEYS[1], ARGV[2])`;
const RELEASE = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('del', KEYS[1])`;

// A lapse of the holder's clock against Redis's, and the time a renewal takes on its way: the
// holder counts its lease as lapsed this much earlier than Redis does.
const DRIFT_MARGIN = 0.1;

/**
 * The coordinator lock of the distributed mode: a lease in Redis, so that of two coordinators on
 * two machines over one runs root only one dispatches (the runs-root lock covers one kernel).
 * Each taking draws a fencing token, one more than the last; the holder renews at a third of the
 * lease's time, only while the key still holds its own token, and counts the lease lost from the
 * moment it could have run out, before Redis would let another take it. `onLost` is told once.
 */
export class CoordinatorLease {
  private renewTimer: NodeJS.Timeout | undefined;
  private lapseTimer: NodeJS.Timeout | undefined;
  /** Until when this holder may act as the coordinator, by its own clock. */
  private validUntilMs: number;
  private lost = false;

  private constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly value: string,
    readonly fence: number,
    private readonly leaseMs: number,
    takenAtMs: number,
    private readonly onLost: (why: string) => void,
  ) {
    this.validUntilMs = takenAtMs + leaseMs * (1 - DRIFT_MARGIN);
    this.armLapse();
    this.renewTimer = setInterval(() => void this.renew(), leaseMs / 3);
  }

  /** Takes the lease of the runs root under `prefix`, or returns undefined with who holds it. */
  static async acquire(
    connection: RedisConnection,
    prefix: string,
    holder: LeaseHolder,
    leaseMs: number,
    onLost: (why: string) => void,
  ): Promise<{ lease: CoordinatorLease } | { heldBy: string }> {
    const client = new Redis({ ...connection.options, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // a failed command says it; renew() tells a lost lease
    const key = leaseKeyOf(prefix);
    const value = JSON.stringify({ ...holder, token: randomUUID() });
    const startedAtMs = Date.now();
    try {
      const fence = Number(await client.eval(ACQUIRE, 2, key, `${key}:fence`, value, String(leaseMs)));
      if (fence > 0) return { lease: new CoordinatorLease(client, key, `${fence} ${value}`, fence, leaseMs, startedAtMs, onLost) };
      const held = await client.get(key);
      client.disconnect();
      return { heldBy: describeHolder(held) };
    } catch (error) {
      client.disconnect();
      throw error;
    }
  }

  /** Whether this holder may still act as the coordinator: its lease has not been lost, nor can it have run out. */
  valid(): boolean {
    return !this.lost && Date.now() < this.validUntilMs;
  }

  private armLapse(): void {
    clearTimeout(this.lapseTimer);
    this.lapseTimer = setTimeout(() => this.lose(`not renewed within ${this.leaseMs} ms (Redis away?)`), Math.max(0, this.validUntilMs - Date.now()));
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    const startedAtMs = Date.now();
    try {
      const renewed = Number(await this.client.eval(RENEW, 1, this.key, this.value, String(this.leaseMs)));
      if (this.lost) return;
      if (renewed !== 1) return this.lose('its key is gone from Redis or another coordinator holds it');
      // Counted from when the renewal was sent: Redis extended it no earlier than that.
      this.validUntilMs = startedAtMs + this.leaseMs * (1 - DRIFT_MARGIN);
      this.armLapse();
    } catch {
      // Redis away: the lapse timer ends the lease if no renewal succeeds in time.
    }
  }

  private lose(why: string): void {
    if (this.lost) return;
    this.lost = true;
    this.stopTimers();
    this.client.disconnect();
    this.onLost(why);
  }

  private stopTimers(): void {
    clearInterval(this.renewTimer);
    clearTimeout(this.lapseTimer);
  }

  /** Gives the lease up (if it is still this holder's), so another coordinator can take over at once. */
  async release(): Promise<void> {
    if (this.lost) return;
    this.lost = true;
    this.stopTimers();
    await this.client.eval(RELEASE, 1, this.key, this.value).catch(() => undefined);
    this.client.disconnect();
  }
}

export function leaseKeyOf(prefix: string): string {
  return `${prefix}:coordinator`;
}

function describeHolder(value: string | null): string {
  if (value === null) return 'nobody (it was just released)';
  const json = value.slice(value.indexOf(' ') + 1);
  try {
    const holder = JSON.parse(json) as Partial<LeaseHolder>;
    return `${holder.runner_id ?? 'unknown'} (pid ${holder.pid ?? '?'} on ${holder.hostname ?? '?'}, fence ${value.slice(0, value.indexOf(' '))})`;
  } catch {
    return 'an unknown holder';
  }
}
