import { createHash } from 'node:crypto';
import type { PoolKey } from '../scheduler/index.js';

/**
 * The Redis key prefix of one runs root: every machine mounts the root at the same path, so the
 * path names it, and two roots can share one Redis. The braces make it a hash tag.
 */
export function redisPrefixOf(runsRoot: string): string {
  return `{harness-${createHash('sha256').update(runsRoot).digest('hex').slice(0, 12)}}`;
}

/**
 * The BullMQ queue of a provider pool. A profile is a provider's host, maybe with a port, and
 * BullMQ names may not hold ':': other characters are replaced, and a hash of the profile keeps
 * two profiles that read alike apart.
 */
export function queueNameOf(pool: PoolKey): string {
  const safe = pool.profile.replace(/[^A-Za-z0-9.-]/g, '_');
  const tag = safe === pool.profile ? '' : `-${createHash('sha256').update(pool.profile).digest('hex').slice(0, 8)}`;
  return `attempts.${pool.agent}.${safe}${tag}`;
}

/** The pub/sub channel that carries cancels and kills to the workers. */
export function controlChannelOf(prefix: string): string {
  return `${prefix}:control`;
}

/** The BullMQ job id of an attempt's order (BullMQ refuses ids that are integers, as some run ids are). */
export function orderIdOf(runId: string): string {
  return `run-${runId}`;
}

/** The run id of an order's job id, or undefined for a job that is not an order. */
export function runIdOfOrder(jobId: string): string | undefined {
  return jobId.startsWith('run-') ? jobId.slice(4) : undefined;
}
