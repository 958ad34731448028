import { z } from 'zod';
import { LimitKindSchema } from './attempt-state.js';
import { AgentNameSchema } from './launch-table.js';
import { RunIdSchema } from './ids.js';

/**
 * Why a pool's attempts do not start until `until`: the limit an attempt of it ended on.
 * `since` is when the pool was first parked in this run of limits (a fallback agent counts from it).
 */
export const PoolParkSchema = z.strictObject({
  until: z.iso.datetime(),
  since: z.iso.datetime(),
  kind: LimitKindSchema,
  window: z.string().max(64).nullable(),
  run_id: RunIdSchema.describe('The attempt whose ending parked the pool'),
  message: z.string().max(1000).describe('What the agent said'),
});
export type PoolPark = z.infer<typeof PoolParkSchema>;

/**
 * One provider pool as the scheduler keeps it (runs/_system/pools.json): the attempts of one
 * agent with one provider profile share its limits, its park and its adaptive cap.
 */
export const PoolRecordSchema = z.strictObject({
  agent: AgentNameSchema,
  profile: z.string().min(1).max(200).describe('The provider profile: `default`, or the host of the base URL the agent is pointed at'),
  parked: PoolParkSchema.nullable(),
  cap: z.int().min(1).describe('How many of its attempts may run at once now; halves on a rate limit, grows back by one after a quiet window'),
  decreased_at: z.iso.datetime().nullable().describe('When the cap last halved'),
  limited_at: z.iso.datetime()
    .nullable()
    .default(null)
    .describe('When the last round of limits began: a limit met by an attempt started before it belongs to that round'),
  grown_at: z.iso.datetime().nullable().describe('When the cap last grew'),
  limits_in_a_row: z.int().min(0).describe('Rounds of limits without a reset time since the model last answered: the wait doubles with each'),
});
export type PoolRecord = z.infer<typeof PoolRecordSchema>;

export const PoolsFileSchema = z.strictObject({
  pools: z.array(PoolRecordSchema),
  updated_at: z.iso.datetime(),
});
export type PoolsFile = z.infer<typeof PoolsFileSchema>;

/** A pool as health.json and the system scoreboard show it. */
export const PoolHealthSchema = z.strictObject({
  agent: AgentNameSchema,
  profile: z.string(),
  running: z.int().min(0),
  cap: z.int().min(1).describe('Effective cap now (adaptive)'),
  max_cap: z.int().min(1).describe('runners.per_agent_max_concurrency, or max_concurrency'),
  parked: PoolParkSchema.nullable(),
});
export type PoolHealth = z.infer<typeof PoolHealthSchema>;

const LIMIT_WORDS: Record<PoolPark['kind'], string> = { rate_limited: 'rate limit', usage_limited: 'usage limit', overloaded: 'provider overloaded' };

/**
 * "codex parked until 03:00Z: usage limit (five_hour)", one clause per pool parked at `nowMs`
 * (the profile named when it is not the default one); null when none is.
 */
export function describeParkedPools(pools: readonly Pick<PoolRecord, 'agent' | 'profile' | 'parked'>[], nowMs: number): string | null {
  const clauses = pools.flatMap(({ agent, profile, parked }) => {
    if (!parked || Date.parse(parked.until) <= nowMs) return [];
    const name = profile === 'default' ? agent : `${agent}/${profile}`;
    return [`${name} parked until ${clockTime(parked.until, nowMs)}: ${LIMIT_WORDS[parked.kind]}${parked.window ? ` (${parked.window})` : ''}`];
  });
  return clauses.length > 0 ? clauses.join('; ') : null;
}

/** Why ready steps are not starting: the runner's own pause (drain, low disk), then each parked pool; null when nothing holds them. */
export function dispatchPausedText(runnerPause: string | null, pools: readonly Pick<PoolRecord, 'agent' | 'profile' | 'parked'>[], nowMs: number): string | null {
  const parks = describeParkedPools(pools, nowMs);
  return runnerPause && parks ? `${runnerPause}; ${parks}` : (runnerPause ?? parks);
}

/** HH:MMZ when the time is within a day, with the date when it is later. */
function clockTime(iso: string, nowMs: number): string {
  const minute = iso.slice(0, 16);
  return Date.parse(iso) - nowMs < 24 * 3600 * 1000 ? `${minute.slice(11)}Z` : `${minute.replace('T', ' ')}Z`;
}
