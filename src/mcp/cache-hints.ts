import type { CacheHint, McpServerOptions } from '@modelcontextprotocol/server';

// How long a 2026-07-28 client may reuse a result (`ttlMs`, `cacheScope`); 2025-11-25 has no such fields.
// Every result is `private`: what a harness holds is one user's, never a shared cache's.

/** Scoreboards and the list of batches: they change while steps run, so only a second's reuse. */
export const LIVE: CacheHint = { ttlMs: 1000, cacheScope: 'private' };

/** What an attempt that has ended wrote: it never changes again. */
export const FINISHED: CacheHint = { ttlMs: 24 * 60 * 60 * 1000, cacheScope: 'private' };

/** What a running attempt is writing: read it again each time. */
export const UNCACHED: CacheHint = { ttlMs: 0, cacheScope: 'private' };

/** What stays the same for the server's life: an hour is what a restart with another version may wait. */
export const SERVER_LIFE: CacheHint = { ttlMs: 60 * 60 * 1000, cacheScope: 'private' };

/**
 * The server's answers by method: its tools, prompts and templates stay the same for its life;
 * the resource list grows with every batch (notifications/resources/list_changed says when).
 */
export const SERVER_CACHE_HINTS: NonNullable<McpServerOptions['cacheHints']> = {
  'server/discover': SERVER_LIFE,
  'tools/list': SERVER_LIFE,
  'prompts/list': SERVER_LIFE,
  'resources/templates/list': SERVER_LIFE,
  'resources/list': LIVE,
  'resources/read': LIVE,
};
