import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAnthropicServer } from '../../tools/model-servers/anthropic-server.js';
import { byMarker } from '../../tools/model-servers/script.js';
import { bin } from './agents/agents-under-test.js';
import { codexEnv, report } from './agents/codex-env.js';
import { goal, HarnessServer, stepOf, whenDone } from './servers/harness-server.js';

/** The README's mixed batch, as a user would copy it, pointed at a temp repository. */
async function readmeMixedBatch(workdir: string): Promise<any> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### A mixed batch'));
  const table = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!);
  table.batch_goal_summary = goal('mixed agents');
  table.jobs[0].working_directory = workdir;
  return table;
}

describe('a batch that mixes agents', () => {
  it('runs the README’s example: claude plans, two codex steps build at once, a command step tests; usage per agent', async () => {
    const codex = await codexEnv([
      { when: 'Implement the parser', turns: [{ kind: 'shell', cmd: 'echo parsed > parser.txt' }, report('parser built')] },
      { when: 'Add the --strict flag', turns: [{ kind: 'shell', cmd: 'echo strict > flag.txt' }, report('flag added')] },
    ]);
    const claude = await startAnthropicServer(byMarker([{ when: 'write a plan', turns: [report('plan: parser, then flag')] }]));
    whenDone(() => claude.close());
    await writeFile(join(codex.workdir, 'package.json'), JSON.stringify({ name: 'mixed', private: true, scripts: { test: 'test -f parser.txt && test -f flag.txt' } }));
    const server = await HarnessServer.start({
      config: { agents: { ...(codex.config.agents as object), claude: { command: bin('claude'), base_url: claude.baseUrl } } },
      env: { ...codex.env, ANTHROPIC_API_KEY: 'sk-ant-mixed', CLAUDE_CODE_MAX_RETRIES: '0' },
      maxConcurrency: 4,
    });

    const board = await server.settled(await server.submit(await readmeMixedBatch(codex.workdir)), 120);
    for (const step of ['plan', 'build-parser', 'build-flag', 'test']) expect(stepOf(board, 'feature', step).status, step).toBe('succeeded');
    expect(board.usage_by_agent.claude).toMatchObject({ input_tokens: expect.any(Number), cost_usd: expect.any(Number) });
    expect(board.usage_by_agent.codex.input_tokens).toBeGreaterThan(0);
    expect(board.usage_by_agent.command).toBeUndefined();
    const status = await server.call('get_scoreboard', { batch_id: board.batch_id });
    expect((status.content as { text: string }[])[0]!.text).toMatch(/Usage: .*claude [\d,]+ in, [\d,]+ out, \$\d+\.\d{4}.*codex [\d,]+ in/);
    expect(board.usage.input_tokens).toBe(board.usage_by_agent.claude.input_tokens + board.usage_by_agent.codex.input_tokens);
    // The two builds overlapped: each began before the other ended.
    const span = async (step: string) => {
      const state = JSON.parse((await server.ok('fetch_artifact', { run_id: stepOf(board, 'feature', step).run_id, name: 'state' })).content);
      return [Date.parse(state.started_at), Date.parse(state.ended_at)];
    };
    const [[s1, e1], [s2, e2]] = [await span('build-parser'), await span('build-flag')];
    expect(s1! < e2! && s2! < e1!).toBe(true);
  });
});
