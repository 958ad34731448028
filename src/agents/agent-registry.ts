import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentName, HarnessConfig } from '../core/index.js';
import type { AgentAdapter } from './agent-adapter.js';
import { createClaudeAgent } from './claude/claude-agent.js';
import { createCodexAgent } from './codex/codex-agent.js';
import { commandAgent } from './command-agent.js';
import { createGeminiAgent } from './gemini/gemini-agent.js';

/** The agents this build can run, by name, configured from the harness config's `agents`. */
export function createAgentRegistry(config: HarnessConfig, env: NodeJS.ProcessEnv = process.env): ReadonlyMap<AgentName, AgentAdapter> {
  const home = homedir();
  return new Map<AgentName, AgentAdapter>([
    [commandAgent.name, commandAgent],
    ['codex', createCodexAgent(config.agents.codex, join(home, '.codex'), env)],
    ['claude', createClaudeAgent(config.agents.claude, join(home, '.claude'), env, process.getuid?.() === 0)],
    ['gemini', createGeminiAgent(config.agents.gemini, join(home, '.gemini'), env)],
  ]);
}
