import type { AgentName, HarnessConfig, PlannedStep } from '../core/index.js';

/** One provider pool: the attempts of one agent against one provider share its limits. */
export interface PoolKey {
  agent: AgentName;
  profile: string;
}

export const DEFAULT_PROFILE = 'default';

// The variable each agent takes its provider's address from, which a step's env may set.
const BASE_URL_VARIABLE: Partial<Record<AgentName, string>> = {
  codex: 'OPENAI_BASE_URL',
  claude: 'ANTHROPIC_BASE_URL',
  gemini: 'GOOGLE_GEMINI_BASE_URL',
};

/**
 * The pool a step's attempts run in when run by `agent`: the agent with the provider it is
 * pointed at. The profile is the host of the base URL the step's env or the harness config names
 * for that agent, else `default` (codex's provider lives in its config_toml, one per server).
 */
export function poolKeyOf(agent: AgentName, step: PlannedStep, agents: HarnessConfig['agents']): PoolKey {
  const variable = BASE_URL_VARIABLE[agent];
  const configured = agent === 'claude' ? agents.claude.base_url : agent === 'gemini' ? agents.gemini.base_url : null;
  const url = (variable && step.env[variable]) || configured;
  return { agent, profile: url ? hostOf(url) : DEFAULT_PROFILE };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || url.slice(0, 200);
  } catch {
    return url.slice(0, 200);
  }
}

export function poolId(key: PoolKey): string {
  return `${key.agent}/${key.profile}`;
}
