import type { AgentName, AttemptMeta, PlannedStep } from '../core/index.js';
import type { ReadyStepView } from '../batch/index.js';
import type { StoredAttempt } from '../store/index.js';
import { poolId, type PoolKey } from './pool-key.js';
import type { ProviderPools } from './provider-pools.js';

/** Whether a ready step may start now, with which agent and in which pool, or until when it waits. */
export type PoolChoice =
  | { kind: 'start'; agent: AgentName; key: PoolKey; fallback: NonNullable<AttemptMeta['fallback']> | null }
  /** untilMs: when to look again; null when a slot of the pool freeing is what it waits for. */
  | { kind: 'wait'; untilMs: number | null };

export interface PoolSituation {
  pools: ProviderPools;
  /** The pool a step runs in with an agent (poolKeyOf, as the dispatcher keeps it per step). */
  poolOf: (agent: AgentName, step: PlannedStep) => PoolKey;
  /** Attempts running or being made per pool, those this pump started included. */
  running: ReadonlyMap<string, number>;
  nowMs: number;
}

/**
 * A step starts in its own agent's pool when that pool is not parked and below its cap. When the
 * pool has been parked for the step's fallback_after_seconds, a step with a fallback agent that
 * does not continue a session starts in the fallback's pool instead, if that one has room.
 */
export function choosePool(view: ReadyStepView, limitResume: StoredAttempt | null, situation: PoolSituation): PoolChoice {
  const { pools, poolOf, running, nowMs } = situation;
  const own = poolOf(view.step.agent, view.step);
  const hasRoom = (key: PoolKey) => (running.get(poolId(key)) ?? 0) < pools.cap(key);
  const park = pools.park(own, nowMs);
  if (!park) return hasRoom(own) ? { kind: 'start', agent: own.agent, key: own, fallback: null } : { kind: 'wait', untilMs: null };

  const fallback = view.step.fallback;
  const parkEndsMs = Date.parse(park.until);
  if (!fallback || limitResume) return { kind: 'wait', untilMs: parkEndsMs };
  const fallbackFromMs = Date.parse(park.since) + fallback.after_seconds * 1000;
  if (nowMs < fallbackFromMs) return { kind: 'wait', untilMs: Math.min(parkEndsMs, fallbackFromMs) };
  const other = poolOf(fallback.agent, view.step);
  if (pools.park(other, nowMs) || !hasRoom(other)) return { kind: 'wait', untilMs: parkEndsMs };
  const reason = `${own.agent} had been parked since ${park.since} (${park.kind}${park.window ? `, ${park.window}` : ''}), longer than fallback_after_seconds (${fallback.after_seconds})`;
  return { kind: 'start', agent: fallback.agent, key: other, fallback: { from: own.agent, parked_since: park.since, reason } };
}
