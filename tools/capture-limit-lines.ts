// Runs each pinned agent CLI against the scripted model servers answering with a provider limit
// (429 with Retry-After, a spent plan or quota window, an overload) and saves what the CLI
// printed, line by line, under tests/fixtures/agents/limits/<agent>/<case>.json. The limit
// parsers' unit tests read those files, so they test the CLIs' own words, not ours.
//
//   npx tsx tools/capture-limit-lines.ts [case-name-filter]
//
// Codex prints a usage limit's reset in local time: the cases run under TZ=CAPTURE_TZ.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAnthropicServer } from './model-servers/anthropic-server.js';
import { startGeminiServer } from './model-servers/gemini-server.js';
import { codexConfigToml, startResponsesServer } from './model-servers/responses-server.js';
import { firstThen, type Script, type Turn } from './model-servers/script.js';

const CAPTURE_TZ = 'America/New_York';
const FIXTURES = fileURLToPath(new URL('../tests/fixtures/agents/limits/', import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const OK: Turn = { kind: 'message', text: '{"status":"success","summary":"ok"}' };
const PROMPT = 'Say ok.';

type Agent = 'codex' | 'claude' | 'gemini';
interface Case {
  agent: Agent;
  name: string;
  /** The turns the model answers with, in order, before it answers normally. */
  turns: (now: number) => Turn[];
  /** The CLI's own retries: codex request/stream_max_retries, CLAUDE_CODE_MAX_RETRIES, gemini general.maxAttempts - 1. */
  retries?: number;
  /**
   * Claude Code signed in to a subscription (CLAUDE_CODE_OAUTH_TOKEN) rather than with an API
   * key: only then does it read the unified rate-limit headers, as plan limits are a subscription's.
   */
  subscriber?: boolean;
}

const inSeconds = (now: number, s: number) => Math.floor(now / 1000) + s;
const CASES: Case[] = [
  { agent: 'codex', name: 'rate-limit', turns: () => [{ kind: 'rate_limit', retryAfterSeconds: 3 }] },
  { agent: 'codex', name: 'rate-limit-retried', retries: 1, turns: () => [{ kind: 'rate_limit', retryAfterSeconds: 1 }, { kind: 'rate_limit', retryAfterSeconds: 1 }] },
  { agent: 'codex', name: 'usage-limit-today', turns: (now) => [{ kind: 'usage_limit', resetsAt: inSeconds(now, 125) }] },
  { agent: 'codex', name: 'usage-limit-later-day', turns: (now) => [{ kind: 'usage_limit', resetsAt: inSeconds(now, 2 * 86400 + 3600) }] },
  { agent: 'codex', name: 'usage-limit-no-reset', turns: () => [{ kind: 'usage_limit', resetsAt: null }] },
  { agent: 'codex', name: 'overloaded', turns: () => [{ kind: 'overloaded' }] },
  { agent: 'codex', name: 'server-error', turns: () => [{ kind: 'http_error', status: 502, message: 'bad gateway' }] },
  { agent: 'codex', name: 'internal-server-error', turns: () => [{ kind: 'http_error', status: 500, message: 'internal error' }] },
  { agent: 'codex', name: 'overloaded-retried', retries: 1, turns: () => [{ kind: 'overloaded' }, { kind: 'overloaded' }] },
  { agent: 'claude', name: 'rate-limit', turns: () => [{ kind: 'rate_limit', retryAfterSeconds: 3 }] },
  { agent: 'claude', name: 'rate-limit-retried', retries: 1, turns: () => [{ kind: 'rate_limit', retryAfterSeconds: 1 }, { kind: 'rate_limit', retryAfterSeconds: 1 }] },
  { agent: 'claude', name: 'usage-limit-five-hour', subscriber: true, turns: (now) => [{ kind: 'usage_limit', resetsAt: inSeconds(now, 3 * 3600), window: 'five_hour' }] },
  { agent: 'claude', name: 'usage-limit-seven-day', subscriber: true, turns: (now) => [{ kind: 'usage_limit', resetsAt: inSeconds(now, 3 * 86400), window: 'seven_day' }] },
  { agent: 'claude', name: 'usage-limit-api-key', turns: (now) => [{ kind: 'usage_limit', resetsAt: inSeconds(now, 3 * 3600), window: 'five_hour' }] },
  { agent: 'claude', name: 'rate-limit-subscriber', subscriber: true, turns: () => [{ kind: 'rate_limit', retryAfterSeconds: 3 }] },
  { agent: 'claude', name: 'overloaded', turns: () => [{ kind: 'overloaded' }] },
  { agent: 'claude', name: 'overloaded-retried', retries: 1, turns: () => [{ kind: 'overloaded' }, { kind: 'overloaded' }] },
  { agent: 'gemini', name: 'rate-limit', turns: () => [{ kind: 'rate_limit', retryAfterSeconds: 3 }] },
  { agent: 'gemini', name: 'rate-limit-retried', retries: 1, turns: () => [{ kind: 'rate_limit', retryAfterSeconds: 1 }, { kind: 'rate_limit', retryAfterSeconds: 1 }] },
  { agent: 'gemini', name: 'usage-limit', turns: (now) => [{ kind: 'usage_limit', resetsAt: inSeconds(now, 5 * 3600) }] },
  { agent: 'gemini', name: 'overloaded', turns: () => [{ kind: 'overloaded' }] },
];

interface Run {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

async function setup(c: Case, dir: string, script: Script): Promise<{ run: Run; close: () => Promise<void> }> {
  const work = join(dir, 'work');
  await mkdir(work, { recursive: true });
  const base = { HOME: join(dir, 'home'), PATH: process.env.PATH ?? '', TZ: CAPTURE_TZ, TMPDIR: join(dir, 'tmp') };
  await mkdir(base.HOME, { recursive: true });
  await mkdir(base.TMPDIR, { recursive: true });
  const retries = c.retries ?? 0;
  switch (c.agent) {
    case 'codex': {
      const server = await startResponsesServer(script);
      const home = join(dir, 'codex_home');
      await mkdir(home);
      await writeFile(join(home, 'config.toml'), codexConfigToml(server.baseUrl, { requestMaxRetries: retries, streamMaxRetries: retries }));
      const argv = [bin('codex'), 'exec', '--json', '--skip-git-repo-check', '-c', 'sandbox_mode="read-only"', '-C', work, '--', PROMPT];
      return { run: { argv, env: { ...base, CODEX_HOME: home }, cwd: work }, close: server.close };
    }
    case 'claude': {
      const server = await startAnthropicServer(script);
      const credential: Record<string, string> = c.subscriber ? { CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-scripted' } : { ANTHROPIC_API_KEY: 'dummy' };
      const env = { ...base, ...credential, CLAUDE_CONFIG_DIR: join(dir, 'claude_config'), ANTHROPIC_BASE_URL: server.baseUrl, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', CLAUDE_CODE_MAX_RETRIES: String(retries) };
      const argv = [bin('claude'), '-p', '--output-format', 'stream-json', '--verbose', '--', PROMPT];
      return { run: { argv, env, cwd: work }, close: server.close };
    }
    case 'gemini': {
      const server = await startGeminiServer(script);
      const dot = join(dir, 'gemini_home', '.gemini');
      await mkdir(dot, { recursive: true });
      await writeFile(join(dot, 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } }, general: { maxAttempts: retries + 1 } }));
      const env = { ...base, GEMINI_CLI_HOME: join(dir, 'gemini_home'), GEMINI_API_KEY: 'dummy', GOOGLE_GEMINI_BASE_URL: server.baseUrl };
      const argv = [bin('gemini'), '--skip-trust', '-o', 'stream-json', '-m', 'gemini-2.5-flash', '--approval-mode', 'plan', `--prompt=${PROMPT}`];
      return { run: { argv, env, cwd: work }, close: server.close };
    }
  }
}

function runToEnd(run: Run): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.argv[0]!, run.argv.slice(1), { cwd: run.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, stdout, stderr });
    });
  });
}

const VERSION_OF: Record<Agent, string> = {
  codex: execFileSync(bin('codex'), ['--version'], { encoding: 'utf8' }).trim(),
  claude: execFileSync(bin('claude'), ['--version'], { encoding: 'utf8' }).trim(),
  gemini: execFileSync(bin('gemini'), ['--version'], { encoding: 'utf8', env: { ...process.env, HOME: tmpdir() } }).trim(),
};

async function capture(c: Case): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `limits-${c.agent}-`));
  const now = Date.now();
  const turns = c.turns(now);
  const { run, close } = await setup(c, dir, firstThen(turns, () => OK));
  try {
    const { exitCode, stdout, stderr } = await runToEnd(run);
    const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
    const file = join(FIXTURES, c.agent, `${c.name}.json`);
    await mkdir(join(FIXTURES, c.agent), { recursive: true });
    const record = { cli: VERSION_OF[c.agent], case: c.name, captured_at: new Date(now).toISOString(), tz: CAPTURE_TZ, turns, own_retries: c.retries ?? 0, ...(c.subscriber ? { subscriber: true } : {}), exit_code: exitCode, stdout: lines(stdout), stderr: lines(stderr) };
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`${c.agent}/${c.name}: exit ${exitCode}, ${record.stdout.length} stdout lines, ${record.stderr.length} stderr lines`);
  } finally {
    await close();
    await rm(dir, { recursive: true, force: true });
  }
}

const filter = process.argv[2] ?? '';
for (const c of CASES.filter((c) => `${c.agent}/${c.name}`.includes(filter))) await capture(c);
