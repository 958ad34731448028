import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AttemptContext } from '../../src/agents/index.js';
import { createCodexAgent } from '../../src/agents/codex/codex-agent.js';
import { parseHarnessConfig } from '../../src/config/index.js';
import { ResumeUnavailableError } from '../../src/core/index.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the codex adapter resuming a session it cannot find', () => {
  it('refuses with resume_unavailable, as claude and gemini do, and prepares nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harness-codex-resume-'));
    dirs.push(dir);
    const attemptDir = join(dir, 'attempt');
    await mkdir(attemptDir);
    const ctx: AttemptContext = {
      step: { step_id: 'next', agent: 'codex', prompt: 'p', command: null, depends_on: [], resume_from: { step_id: 'src', selector: 'latest', run_id: null }, timeout_seconds: 60, retries: { max_attempts: 1, backoff_seconds: 0 }, sandbox: null, output_schema: null, env: {}, fallback: null },
      runId: 'r2',
      attempt: 1,
      attemptDir,
      cwd: dir,
      inGitRepo: false,
      reportPath: join(attemptDir, 'agent_report.json'),
      sessionDir: join(attemptDir, 'codex_home'),
      // A source that never started (canceled before it ran): no thread id, no session store.
      resume: { runId: 'r1', stepId: 'src', selector: 'latest', sessionDir: join(dir, 'source', 'codex_home'), threadId: null, threadUsage: null },
    };
    const adapter = createCodexAgent(parseHarnessConfig({}, 'test').config.agents.codex, join(dir, 'user-codex'), {});
    const refused = await adapter.prepareSession(ctx).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ResumeUnavailableError);
    expect(refused).toMatchObject({ code: 'resume_unavailable', message: 'cannot resume run r1: no thread id was captured and its store does not hold exactly one session' });
    expect(await readdir(attemptDir)).toEqual([]);
  });
});
