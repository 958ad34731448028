import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentName, HarnessConfig } from '../core/index.js';
import type { AgentAdapter } from './agent-adapter.js';
import { createCodexAgent } from './codex/codex-agent.js';
import { commandAgent } from './command-agent.js';

/** The agents this build can run, by name, configured from the harness config's `agents`. */
export function createAgentRegistry(config: HarnessConfig, env: NodeJS.ProcessEnv = process.env): ReadonlyMap<AgentName, AgentAdapter> {
  return new Map<AgentName, AgentAdapter>([
    [commandAgent.name, commandAgent],
    ['codex', createCodexAgent(config.agents.codex, join(homedir(), '.codex'), env)],
  ]);
}
