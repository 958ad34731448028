import type { AgentName, AttemptState, HarnessConfig, PoolHealth, PoolPark, PoolRecord } from '../core/index.js';
import { poolId, type PoolKey } from './pool-key.js';

export interface ProviderPoolsOptions {
  config: Pick<HarnessConfig, 'runners' | 'retries'>;
  /** The pools as the last server left them (runs/_system/pools.json). */
  records: PoolRecord[];
  /** Writes the pools whole; called after every change, one write at a time. */
  save: (records: PoolRecord[]) => Promise<void>;
  /** Told after a pool parked, was released or changed its cap, so health and scoreboards say so. */
  onChanged: () => void;
  log: (message: string) => void;
  /** [0, 1): the park's jitter. */
  random?: () => number;
}

/**
 * The provider pools of a runs root (docs/spec.md §5 "Provider limits"): an attempt that ended on
 * a provider limit parks its pool until the limit resets (plus a little jitter), so none of the
 * pool's attempts start before then, and a rate limit halves how many of them may run at once;
 * a quiet window grows that back by one at a time. Pools are kept in pools.json, so a park
 * survives a restart.
 */
export class ProviderPools {
  private readonly records = new Map<string, PoolRecord>();
  private saving: Promise<void> = Promise.resolve();
  private readonly random: () => number;

  constructor(private readonly options: ProviderPoolsOptions) {
    for (const record of options.records) this.records.set(poolId(record), record);
    this.random = options.random ?? Math.random;
  }

  /** runners.per_agent_max_concurrency for the agent, else max_concurrency. */
  maxCap(agent: AgentName): number {
    const { per_agent_max_concurrency: perAgent, max_concurrency: total } = this.options.config.runners;
    const cap = typeof perAgent === 'number' ? perAgent : perAgent?.[agent];
    return Math.min(cap ?? total, total);
  }

  /** How many of the pool's attempts may run at once now. */
  cap(key: PoolKey): number {
    const max = this.maxCap(key.agent);
    return Math.min(this.records.get(poolId(key))?.cap ?? max, max);
  }

  /** The pool's park if it is parked now. */
  park(key: PoolKey, nowMs: number): PoolPark | null {
    const parked = this.records.get(poolId(key))?.parked ?? null;
    return parked && Date.parse(parked.until) > nowMs ? parked : null;
  }

  /**
   * Takes an attempt's ending into its pool: a provider limit parks the pool (a rate limit also
   * halves its cap, once for the attempts started before the last halving); an ending where the
   * model answered (succeeded, needs_attention, agent_failure) of an attempt that started after
   * the park means the provider answers again, so the run of limits is over, and a cap that is
   * down grows by one once a quiet window has passed since it last changed.
   */
  recordEnding(key: PoolKey, state: AttemptState, startedAtMs: number, nowMs: number): void {
    const id = poolId(key);
    const max = this.maxCap(key.agent);
    const before = this.records.get(id);
    const record: PoolRecord = before ? { ...before, cap: Math.min(before.cap, max) } : { agent: key.agent, profile: key.profile, parked: null, cap: max, decreased_at: null, limited_at: null, grown_at: null, limits_in_a_row: 0 };
    const now = new Date(nowMs).toISOString();
    const limit = state.status === 'failed' ? state.limit : null;
    if (limit) {
      // A park over for longer than a recheck interval belongs to another night: a new run of limits starts.
      if (record.parked && Date.parse(record.parked.until) < nowMs - this.options.config.retries.usage_limit_recheck_seconds * 1000) {
        record.parked = null;
        record.limits_in_a_row = 0;
        record.limited_at = null;
      }
      // Attempts that went out together meet one limit together: only the first ending of a
      // round parks the pool for the waits of a round, and the doubling counts rounds. A reset
      // the provider named is kept whichever ending says it.
      const newRound = !record.limited_at || startedAtMs >= Date.parse(record.limited_at);
      if (newRound || limit.retry_at) record.parked = this.parkFor(record, state, nowMs);
      if (newRound) {
        if (!limit.retry_at) record.limits_in_a_row++;
        record.limited_at = now;
      }
      if (limit.kind === 'rate_limited' && (!record.decreased_at || startedAtMs >= Date.parse(record.decreased_at)) && record.cap > 1) {
        record.cap = Math.max(1, Math.floor(record.cap / 2));
        record.decreased_at = now;
      }
    } else if (state.status === 'succeeded' || state.status === 'needs_attention' || state.failure_reason === 'agent_failure') {
      // Only an attempt started once the park was over says the provider answers again; one
      // that was running when the pool parked says nothing about it.
      if (record.parked && startedAtMs < Date.parse(record.parked.until)) return;
      record.parked = null;
      record.limits_in_a_row = 0;
      const lastChange = Math.max(Date.parse(record.decreased_at ?? '') || 0, Date.parse(record.grown_at ?? '') || 0);
      if (record.cap < max && nowMs - lastChange >= this.options.config.runners.pool_grow_after_seconds * 1000) {
        record.cap++;
        record.grown_at = now;
      }
    } else {
      return; // it never ran, or it ended without a word from the model: nothing about the provider
    }
    this.put(id, record, before);
  }

  /** Ends the parks of an agent's pools (one profile, or all), and gives them their full cap back, so their attempts start now. */
  release(agent: AgentName, profile: string | undefined): PoolRecord[] {
    const released: PoolRecord[] = [];
    for (const [id, record] of this.records) {
      if (record.agent !== agent || (profile !== undefined && record.profile !== profile) || !record.parked) continue;
      const next: PoolRecord = { ...record, parked: null, limits_in_a_row: 0, limited_at: null, cap: this.maxCap(agent), decreased_at: null };
      released.push(record);
      this.put(id, next, record);
    }
    return released;
  }

  /** Every pool with a record or a running attempt, for health.json and the system scoreboard. */
  health(running: ReadonlyMap<string, number>, nowMs: number): PoolHealth[] {
    const keys = new Map<string, PoolKey>();
    for (const record of this.records.values()) keys.set(poolId(record), record);
    for (const id of running.keys()) if (!keys.has(id)) keys.set(id, parsePoolId(id));
    return [...keys.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, key]) => ({ agent: key.agent, profile: key.profile, running: running.get(id) ?? 0, cap: this.cap(key), max_cap: this.maxCap(key.agent), parked: this.park(key, nowMs) }));
  }

  /** Waits for the writes of pools.json under way. */
  async flush(): Promise<void> {
    await this.saving;
  }

  private parkFor(record: PoolRecord, state: AttemptState, nowMs: number): PoolPark {
    const limit = state.limit!;
    const { rate_limit_wait_seconds: rateWait, usage_limit_recheck_seconds: recheck, limit_jitter_seconds: jitterMax } = this.options.config.retries;
    const said = limit.retry_at ? Date.parse(limit.retry_at) : NaN;
    const waitMs = said > nowMs ? said - nowMs : limit.kind === 'usage_limited' ? recheck * 1000 : Math.min(rateWait * 2 ** record.limits_in_a_row, recheck) * 1000;
    const untilMs = nowMs + waitMs + this.random() * Math.min(jitterMax * 1000, waitMs / 4);
    const earlier = record.parked;
    const keepEarlier = earlier !== null && Date.parse(earlier.until) > untilMs;
    return {
      until: new Date(keepEarlier ? Date.parse(earlier.until) : untilMs).toISOString(),
      since: earlier?.since ?? new Date(nowMs).toISOString(),
      kind: keepEarlier ? earlier.kind : limit.kind,
      window: keepEarlier ? earlier.window : limit.window,
      run_id: keepEarlier ? earlier.run_id : state.run_id,
      message: keepEarlier ? earlier.message : (state.message ?? limit.kind).slice(0, 1000),
    };
  }

  private put(id: string, record: PoolRecord, before: PoolRecord | undefined): void {
    // A pool with nothing to remember is dropped, so the file lists only pools that are down.
    const idle = record.parked === null && record.limits_in_a_row === 0 && record.cap >= this.maxCap(record.agent);
    if (idle) this.records.delete(id);
    else this.records.set(id, record);
    if (JSON.stringify(before ?? null) === JSON.stringify(idle ? null : record)) return;
    const snapshot = [...this.records.values()];
    this.saving = this.saving
      .then(() => this.options.save(snapshot))
      .catch((error: Error) => this.options.log(`could not write the provider pools (pools.json): ${error.message}; a restart would not keep their parks`));
    this.options.onChanged();
  }
}

function parsePoolId(id: string): PoolKey {
  const slash = id.indexOf('/');
  return { agent: id.slice(0, slash) as AgentName, profile: id.slice(slash + 1) };
}
