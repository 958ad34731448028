import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AttemptState } from '../../src/core/index.js';
import { startAnthropicServer } from '../../tools/model-servers/anthropic-server.js';
import { startGeminiServer } from '../../tools/model-servers/gemini-server.js';
import { codexConfigToml, startResponsesServer } from '../../tools/model-servers/responses-server.js';
import { DEFAULT_TURN, type Script, type Turn } from '../../tools/model-servers/script.js';
import { bin } from './agents/agents-under-test.js';
import { eventually, goal, HarnessServer, stepOf, tempDir, whenDone } from './servers/harness-server.js';

// Each real CLI against a provider that refuses its first request, then serves: the first
// attempt ends on the limit, as the CLI reported it; the pool parks until the reset (a second
// when the provider named none) and the step runs again on its own and succeeds, though it may
// have one attempt only. The CLIs' own retries are off:
// codex request_max_retries = stream_max_retries = 0, CLAUDE_CODE_MAX_RETRIES=0, gemini
// general.maxAttempts = 1.

// Codex prints a reset in local time; the server (and codex, its child) run in this zone.
const TZ = 'America/New_York';

interface Setup {
  config: Record<string, unknown>;
  env: Record<string, string>;
  workdir: string;
}

async function dirs(): Promise<{ home: string; workdir: string; dir: string }> {
  const dir = await tempDir();
  const home = join(dir, 'home');
  const workdir = join(dir, 'work');
  await mkdir(home);
  await mkdir(workdir);
  return { home, workdir, dir };
}

const AGENTS: Record<'codex' | 'claude' | 'gemini', (script: Script) => Promise<Setup>> = {
  async codex(script) {
    const model = await startResponsesServer(script);
    whenDone(() => model.close());
    const { home, workdir, dir } = await dirs();
    const configToml = join(dir, 'codex-config.toml');
    await writeFile(configToml, codexConfigToml(model.baseUrl));
    return { config: { agents: { codex: { command: bin('codex'), config_toml: configToml } } }, env: { HOME: home, OPENAI_API_KEY: '', CODEX_API_KEY: '' }, workdir };
  },
  async claude(script) {
    const model = await startAnthropicServer(script);
    whenDone(() => model.close());
    const { home, workdir } = await dirs();
    // Signed in to a subscription: only then does Claude Code read a plan's limits (the unified headers).
    return { config: { agents: { claude: { command: bin('claude'), base_url: model.baseUrl } } }, env: { HOME: home, CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-scripted', CLAUDE_CODE_MAX_RETRIES: '0' }, workdir };
  },
  async gemini(script) {
    const model = await startGeminiServer(script);
    whenDone(() => model.close());
    const { home, workdir } = await dirs();
    return {
      config: { agents: { gemini: { command: bin('gemini'), base_url: model.baseUrl, settings: { general: { maxAttempts: 1 } } } } },
      env: { HOME: home, GEMINI_API_KEY: 'AIza-scripted' },
      workdir,
    };
  },
};

async function stateFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => e.endsWith('state.json')).map((e) => join(dir, e));
}

/** The first attempt of the batch's step once it has ended, and its directory. */
async function firstAttempt(runsDir: string, batchId: string): Promise<{ state: AttemptState; dir: string }> {
  return eventually(async () => {
    for (const file of await stateFiles(runsDir)) {
      const state = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as AttemptState;
      if (state.batch_id === batchId && state.attempt === 1 && state.ended_at) return { state, dir: dirname(file) };
    }
    return undefined;
  }, 'the first attempt to end');
}

/**
 * Runs one step of `agent` against a provider answering its first request(s) with `turns`,
 * each made when its request comes (a reset counts from then, however long the CLI took to start).
 */
async function runLimited(
  agent: keyof typeof AGENTS,
  turns: (() => Turn)[],
  options: { env?: Record<string, string>; step?: Record<string, unknown> } = {},
): Promise<{ state: AttemptState; endedAtMs: number; events: string; server: HarnessServer; batchId: string; settle: () => Promise<{ status: string; attempts: number }> }> {
  let answered = 0;
  const script: Script = () => (answered < turns.length ? turns[answered++]!() : DEFAULT_TURN);
  const setup = await AGENTS[agent](script);
  const config = { ...setup.config, retries: { rate_limit_wait_seconds: 1, limit_jitter_seconds: 0 } };
  const server = await HarnessServer.start({ config, env: { ...setup.env, TZ, ...options.env } });
  const step = { step_id: 's', prompt: 'Say ok.', retries: { max_attempts: 1 }, ...options.step };
  const batchId = await server.submit({ batch_goal_summary: goal(), defaults: { agent }, jobs: [{ job_id: 'j', working_directory: setup.workdir, steps: [step] }] });
  const { state, dir } = await firstAttempt(server.runsDir, batchId);
  const settle = async () => stepOf(await server.settled(batchId, 120), 'j', 's');
  return { state, endedAtMs: Date.parse(state.ended_at!), events: await readFile(join(dir, 'events.jsonl'), 'utf8'), server, batchId, settle };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe.each(['codex', 'claude', 'gemini'] as const)('a provider limit met by %s', (agent) => {
  it('a 429 with Retry-After ends the attempt rate_limited, the limit in state.json', async () => {
    let answeredAtMs = 0;
    const { state, endedAtMs, settle } = await runLimited(agent, [
      () => {
        answeredAtMs = Date.now();
        return { kind: 'rate_limit', retryAfterSeconds: 2 };
      },
    ]);
    // The pool parks, then the step runs again on its own and succeeds: the limit spent no attempt.
    expect(await settle()).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(state).toMatchObject({ status: 'failed', failure_reason: 'rate_limited', limit: { kind: 'rate_limited', mid_conversation: false } });
    expect(state.message).toMatch(/^rate limited/);
    if (agent === 'gemini') {
      // Only Gemini passes the delay on ("Please retry in 2s."), counted from when it said so.
      const retryAtMs = Date.parse(state.limit!.retry_at!);
      expect(retryAtMs).toBeGreaterThanOrEqual(answeredAtMs + 2000);
      expect(retryAtMs).toBeLessThanOrEqual(endedAtMs + 2000);
    } else {
      // Codex and Claude Code print no time for it.
      expect(state.limit!.retry_at).toBeNull();
    }
  });

  it('a spent plan window ends the attempt usage_limited, retry_at at the reset the provider sent', async () => {
    let resetsAt = 0;
    const { state, endedAtMs, server, settle } = await runLimited(agent, [
      () => {
        resetsAt = nowSeconds() + 3;
        return { kind: 'usage_limit', resetsAt, window: 'five_hour' };
      },
    ]);
    expect(state).toMatchObject({ status: 'failed', failure_reason: 'usage_limited', limit: { kind: 'usage_limited', mid_conversation: false } });
    const late = Date.parse(state.limit!.retry_at!) - resetsAt * 1000;
    if (agent === 'codex') {
      // Codex prints the reset in local time to the minute; the harness takes the minute's end.
      expect(state.limit).toMatchObject({ source: 'message', window: null });
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(60_000);
    } else if (agent === 'claude') {
      expect(state.limit).toMatchObject({ source: 'event', window: 'five_hour' });
      expect(Math.abs(late)).toBeLessThanOrEqual(1000);
    } else {
      // Gemini passes on a delay in whole seconds ("Please retry in 3s"), counted from when it said so.
      expect(state.limit).toMatchObject({ source: 'message', window: 'daily' });
      expect(late).toBeGreaterThanOrEqual(-1000);
      expect(Date.parse(state.limit!.retry_at!)).toBeLessThanOrEqual(endedAtMs + 3000 + 1000);
    }
    // Codex's reset is a minute's end away: a person releases the pool rather than the test waiting for it.
    // When that end is a second or two off, the park may be over before the release comes.
    if (agent === 'codex') {
      const parkedForMs = Date.parse(state.limit!.retry_at!) - Date.now();
      // As a person would, once the pool shows parked: the park is made just after the attempt's end is written.
      const parked = async () => (await server.ok('get_scoreboard', { detail: 'full' })).runners[0].pools.some((p: any) => p.agent === agent && p.parked);
      if (parkedForMs > 2000) await eventually(async () => ((await parked()) ? true : undefined), 'the codex pool parked');
      const { released } = await server.ok('release_pool', { agent });
      if (parkedForMs > 2000) expect(released).toHaveLength(1);
    }
    expect(await settle()).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('an overloaded provider ends the attempt overloaded', async () => {
    const { state, settle } = await runLimited(agent, [() => ({ kind: 'overloaded' })]);
    expect(state).toMatchObject({ status: 'failed', failure_reason: 'overloaded', limit: { kind: 'overloaded', retry_at: null, mid_conversation: false } });
    expect(await settle()).toMatchObject({ status: 'succeeded', attempts: 2 });
  });
});

describe('a limit after the model has answered', () => {
  it.each(['codex', 'claude'] as const)('is marked mid_conversation, and %s’s retry continues the session it cut short', async (agent) => {
    const { state, server, batchId, settle } = await runLimited(agent, [() => ({ kind: 'shell', cmd: 'true' }), () => ({ kind: 'rate_limit', retryAfterSeconds: 1 })], {
      step: { sandbox: 'danger-full-access' },
    });
    expect(state).toMatchObject({ failure_reason: 'rate_limited', limit: { mid_conversation: true } });
    expect(state.thread_id).toEqual(expect.any(String));
    expect(await settle()).toMatchObject({ status: 'succeeded', attempts: 2 });
    const stepDir = join(server.runsDir, batchId, 'j', 's');
    const second = (await readdir(stepDir)).filter((n) => !n.endsWith(state.run_id) && /_[0-9a-f]{16}$/.test(n))[0]!;
    const meta = JSON.parse(await readFile(join(stepDir, second, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ trigger: 'auto_retry', resume: { run_id: state.run_id, step_id: 's', thread_id: state.thread_id, selector: 'run_id' }, thread_id: state.thread_id });
    expect(meta.argv.join(' ')).toMatch(agent === 'codex' ? /exec resume .*cut off by a provider limit \(rate_limited\)/ : /--resume/);
  });
});

describe('a limit the agent reported before it was stopped', () => {
  it('gives way to the timeout that stopped it', async () => {
    // Claude Code reports the 429 (system/api_retry, a limit event) and retries into a model that never answers.
    const { state, events } = await runLimited('claude', [() => ({ kind: 'rate_limit', retryAfterSeconds: 1 }), () => ({ kind: 'hang' })], { env: { CLAUDE_CODE_MAX_RETRIES: '1' }, step: { timeout_seconds: 4 } });
    expect(events).toMatch(/"subtype":"api_retry".*"error":"rate_limit"/);
    expect(state).toMatchObject({ status: 'failed', failure_reason: 'timeout', limit: null });
  });
});
