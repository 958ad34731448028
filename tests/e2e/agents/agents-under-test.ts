import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentName } from '../../../src/core/index.js';
import { startAnthropicServer } from '../../../tools/model-servers/anthropic-server.js';
import { startGeminiServer } from '../../../tools/model-servers/gemini-server.js';
import { byMarker, type Conversation, type Turn } from '../../../tools/model-servers/script.js';
import { codexEnv } from './codex-env.js';
import { agent, tempDir, whenDone } from '../servers/harness-server.js';

/** A pinned agent CLI from node_modules/.bin. */
export const bin = (name: string) => fileURLToPath(new URL(`../../../node_modules/.bin/${name}`, import.meta.url));

export type Rule = { when: string; turns: Turn[] };

/** A server environment in which one agent runs against a scripted model. */
export interface AgentEnv {
  /** Harness config for the agent. */
  config: Record<string, unknown>;
  /** The server's environment: HOME and credentials. */
  env: Record<string, string>;
  /** The server's HOME: nothing may be written there. */
  home: string;
  workdir: string;
  /** The fields of a step that plays the rule whose marker is `marker`. */
  step(marker: string): Record<string, unknown>;
  /** Every request the model received (none for the command agent). */
  requests(): Conversation[];
  /** A credential the agent is given; no file the harness writes may hold it. */
  secret: string | null;
}

export interface AgentUnderTest {
  name: AgentName;
  /** Whether a step can resume its session (resume_from). */
  resumable: boolean;
  /** Whether the agent reports a session id and token usage. */
  reportsSessions: boolean;
  /** Whether the agent reports what its tokens cost. */
  reportsCost: boolean;
  /** The sandbox under which the agent may run a shell command (gemini asks approval for one under workspace-write). */
  shellSandbox: 'workspace-write' | 'danger-full-access';
  setup(rules: Rule[]): Promise<AgentEnv>;
}

async function homeAndWorkdir(): Promise<{ home: string; workdir: string }> {
  const dir = await tempDir();
  const home = join(dir, 'home');
  const workdir = join(dir, 'work');
  await mkdir(home);
  await mkdir(workdir);
  return { home, workdir };
}

export const codexUnderTest: AgentUnderTest = {
  name: 'codex',
  resumable: true,
  reportsSessions: true,
  reportsCost: false,
  shellSandbox: 'workspace-write',
  async setup(rules) {
    const env = await codexEnv(rules);
    return {
      config: env.config,
      env: env.env,
      home: env.home,
      workdir: env.workdir,
      step: (marker) => ({ agent: 'codex', prompt: marker }),
      requests: () => env.model.requests,
      // codexEnv's ~/.codex/auth.json holds this token; attempts link the file.
      secret: 'not-a-real-token',
    };
  },
};

export const claudeUnderTest: AgentUnderTest = {
  name: 'claude',
  resumable: true,
  reportsSessions: true,
  reportsCost: true,
  shellSandbox: 'workspace-write',
  async setup(rules) {
    const model = await startAnthropicServer(byMarker(rules));
    whenDone(() => model.close());
    const { home, workdir } = await homeAndWorkdir();
    const secret = 'sk-ant-contract-secret-0123456789';
    return {
      config: { agents: { claude: { command: bin('claude'), base_url: model.baseUrl } } },
      // No retries: a scripted error is meant to end the run.
      env: { HOME: home, ANTHROPIC_API_KEY: secret, CLAUDE_CODE_MAX_RETRIES: '0' },
      home,
      workdir,
      step: (marker) => ({ agent: 'claude', prompt: marker }),
      requests: () => model.requests,
      secret,
    };
  },
};

export const geminiUnderTest: AgentUnderTest = {
  name: 'gemini',
  resumable: true,
  reportsSessions: true,
  reportsCost: false,
  shellSandbox: 'danger-full-access',
  async setup(rules) {
    const model = await startGeminiServer(byMarker(rules));
    whenDone(() => model.close());
    const { home, workdir } = await homeAndWorkdir();
    const secret = 'AIza-contract-secret-0123456789';
    return {
      // One attempt per model request: a scripted error is meant to end the run.
      config: { agents: { gemini: { command: bin('gemini'), base_url: model.baseUrl, settings: { general: { maxAttempts: 1 } } } } },
      env: { HOME: home, GEMINI_API_KEY: secret },
      home,
      workdir,
      step: (marker) => ({ agent: 'gemini', prompt: marker }),
      requests: () => model.requests,
      secret,
    };
  },
};

/** The command agent plays the same scripts through tests/fixtures/agents/scripted.mjs. */
export const commandUnderTest: AgentUnderTest = {
  name: 'command',
  resumable: false,
  reportsSessions: false,
  reportsCost: false,
  shellSandbox: 'workspace-write',
  async setup(rules) {
    const { home, workdir } = await homeAndWorkdir();
    return {
      config: {},
      env: { HOME: home },
      home,
      workdir,
      step: (marker) => ({ agent: 'command', command: [process.execPath, agent('scripted.mjs'), JSON.stringify(rules.find((r) => r.when === marker)!.turns)] }),
      requests: () => [],
      secret: null,
    };
  },
};
