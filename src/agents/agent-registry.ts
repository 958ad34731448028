import type { AgentName } from '../core/index.js';
import type { AgentAdapter } from './agent-adapter.js';
import { commandAgent } from './command-agent.js';

/** The agents this build can run, by name. */
export function createAgentRegistry(): ReadonlyMap<AgentName, AgentAdapter> {
  return new Map<AgentName, AgentAdapter>([[commandAgent.name, commandAgent]]);
}
