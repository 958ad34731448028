import type { AgentName } from '../core/index.js';
import { control } from './control.js';
import type { StoreOptions } from './common.js';

/**
 * `harness-mcp release-pool AGENT [--profile P]`: ends a provider pool's park through the
 * server's control inbox. The agent name is checked there, with the other fields of the request.
 */
export function releasePool(agent: string, options: StoreOptions & { profile?: string; json?: boolean }): Promise<void> {
  return control({ op: 'release_pool', agent: agent as AgentName, ...(options.profile !== undefined ? { profile: options.profile } : {}) }, options);
}
