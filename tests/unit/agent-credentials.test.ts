import { lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AttemptContext } from '../../src/agents/index.js';
import { createClaudeAgent } from '../../src/agents/claude/claude-agent.js';
import { createGeminiAgent } from '../../src/agents/gemini/gemini-agent.js';
import { parseHarnessConfig } from '../../src/config/index.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function attempt(agent: 'claude' | 'gemini'): Promise<{ ctx: AttemptContext; userDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-cred-'));
  dirs.push(dir);
  const attemptDir = join(dir, 'attempt');
  await mkdir(attemptDir);
  const ctx: AttemptContext = {
    step: { step_id: 's', agent, prompt: 'p', command: null, depends_on: [], resume_from: null, timeout_seconds: 60, retries: { max_attempts: 1, backoff_seconds: 0 }, sandbox: null, output_schema: null, env: {}, fallback: null },
    runId: 'r',
    attempt: 1,
    attemptDir,
    cwd: dir,
    inGitRepo: false,
    reportPath: join(attemptDir, 'agent_report.json'),
    sessionDir: join(attemptDir, 'session'),
    resume: null,
  };
  return { ctx, userDir: join(dir, 'user') };
}

const config = parseHarnessConfig({}, 'test').config;

describe.each([
  { name: 'claude' as const, file: '.credentials.json', key: 'ANTHROPIC_API_KEY', make: (userDir: string, env: NodeJS.ProcessEnv) => createClaudeAgent(config.agents.claude, userDir, env, false), linkedAt: (s: string) => join(s, '.credentials.json') },
  { name: 'gemini' as const, file: 'oauth_creds.json', key: 'GEMINI_API_KEY', make: (userDir: string, env: NodeJS.ProcessEnv) => createGeminiAgent(config.agents.gemini, userDir, env), linkedAt: (s: string) => join(s, '.gemini', 'oauth_creds.json') },
])('$name credentials', ({ name, file, key, make, linkedAt }) => {
  it('links the runner’s own credentials file when no key is in the environment, never copying it', async () => {
    const probe = await attempt(name);
    await mkdir(probe.userDir, { recursive: true });
    await writeFile(join(probe.userDir, file), '{"token":"secret"}');
    const adapter = make(probe.userDir, {});
    await adapter.prepareSession(probe.ctx);
    const linked = linkedAt(probe.ctx.sessionDir!);
    expect((await lstat(linked)).isSymbolicLink()).toBe(true);
    expect(await readlink(linked)).toBe(join(probe.userDir, file));
    expect(adapter.invocation(probe.ctx).env[key]).toBeUndefined();
  });

  it('passes a key from the environment instead, and links nothing', async () => {
    const probe = await attempt(name);
    await mkdir(probe.userDir, { recursive: true });
    await writeFile(join(probe.userDir, file), '{"token":"secret"}');
    const adapter = make(probe.userDir, { [key]: 'from-env' });
    await adapter.prepareSession(probe.ctx);
    await expect(lstat(linkedAt(probe.ctx.sessionDir!))).rejects.toThrow(/ENOENT/);
    expect(adapter.invocation(probe.ctx).env[key]).toBe('from-env');
  });
});

describe('gemini settings', () => {
  it('writes settings.json from agents.gemini.settings with the auth type on top', async () => {
    const gemini = parseHarnessConfig({ agents: { gemini: { settings: { general: { maxAttempts: 1 }, security: { folderTrust: { enabled: false } } } } } }, 'test').config.agents.gemini;
    const adapter = createGeminiAgent(gemini, '/nowhere', {});
    const { ctx } = await attempt('gemini');
    await adapter.prepareSession(ctx);
    expect(JSON.parse(await readFile(join(ctx.sessionDir!, '.gemini', 'settings.json'), 'utf8'))).toEqual({
      general: { maxAttempts: 1 },
      security: { folderTrust: { enabled: false }, auth: { selectedType: 'gemini-api-key' } },
    });
  });
});
