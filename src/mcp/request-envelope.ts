import type { ServerContext } from '@modelcontextprotocol/server';

/**
 * A 2026-07-28 request's `_meta` envelope by its keys (protocol version, client capabilities,
 * log level); empty on 2025-11-25. The SDK types it as an empty object.
 */
export function envelopeOf(ctx: ServerContext): Record<string, unknown> {
  return (ctx.mcpReq.envelope as Record<string, unknown> | undefined) ?? {};
}
