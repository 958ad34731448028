import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest, Turn } from '../../tools/model-servers/responses-server.js';
import { startAnthropicServer } from '../../tools/model-servers/anthropic-server.js';
import { codexEnv } from './agents/codex-env.js';
import { bin } from './agents/agents-under-test.js';
import { eventually, goal, HarnessServer, stepOf, whenDone } from './servers/harness-server.js';

const SUCCESS: Turn = { kind: 'message', text: '{"status":"success","summary":"ok"}' };
const RATE_LIMITED: Turn = { kind: 'http_error', status: 429, message: 'Rate limit reached for requests' };

/**
 * A scripted Responses API that answers a marker's first `limited` requests with HTTP 429 and
 * every later one with success: a provider that limits, then lets through.
 */
async function limitingCodex(limited: Record<string, number>) {
  const left = new Map(Object.entries(limited));
  const env = await codexEnv((request: RecordedRequest) => {
    const latest = request.userTexts.at(-1) ?? '';
    const marker = [...left.keys()].find((m) => latest.includes(m));
    if (marker && left.get(marker)! > 0) {
      left.set(marker, left.get(marker)! - 1);
      return RATE_LIMITED;
    }
    return SUCCESS;
  });
  return { ...env, codex: (env.config.agents as { codex: Record<string, unknown> }).codex };
}

function table(workdir: string, jobs: { job_id: string; steps: Record<string, unknown>[] }[]) {
  return { batch_goal_summary: goal(), defaults: { retries: { max_attempts: 1 } }, jobs: jobs.map((j) => ({ ...j, working_directory: workdir })) };
}

async function statesOf(runsDir: string, batchId: string, jobId: string, stepId: string): Promise<any[]> {
  const dir = join(runsDir, batchId, jobId, stepId);
  const names = (await readdir(dir)).filter((n) => /^\d{8}T\d{9}Z_[0-9a-f]{16}$/.test(n)).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n, 'state.json'), 'utf8'))));
}

const poolsFile = (runsDir: string) => join(runsDir, '_system', 'pools.json');

describe('a provider limit parks its pool instead of failing the step', () => {
  it('parks codex on a 429, runs a command step meanwhile, and retries the step without spending an attempt', async () => {
    const codex = await limitingCodex({ LIMITED: 1 });
    const server = await HarnessServer.start({
      env: codex.env,
      config: { agents: { codex: codex.codex }, retries: { rate_limit_wait_seconds: 4, limit_jitter_seconds: 0 } },
    });
    const batchId = await server.submit(table(codex.workdir, [{ job_id: 'j', steps: [{ step_id: 'a', agent: 'codex', prompt: 'LIMITED' }] }]));

    // The first attempt ends on the limit and the pool parks: every scoreboard says so.
    const paused = await eventually(async () => {
      const board = await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
      return board.dispatch_paused ? board : undefined;
    }, 'the codex pool to park');
    expect(paused.dispatch_paused).toMatch(/^codex parked until \d\d:\d\dZ: rate limit$/);
    const [limited] = await statesOf(server.runsDir, batchId, 'j', 'a');
    expect(limited).toMatchObject({ status: 'failed', failure_reason: 'rate_limited', agent: 'codex', limit: { kind: 'rate_limited', mid_conversation: false } });
    // pools.json is written right after the park is made; the scoreboard may say so first.
    const park = await eventually(async () => JSON.parse(await readFile(poolsFile(server.runsDir), 'utf8').catch(() => '{"pools":[]}')).pools[0], 'pools.json to hold the park');
    expect(park).toMatchObject({ agent: 'codex', profile: 'default', parked: { kind: 'rate_limited', run_id: limited.run_id } });
    const system = await server.ok('get_scoreboard', { detail: 'full' });
    expect(system.runners[0].pools).toContainEqual(expect.objectContaining({ agent: 'codex', parked: expect.objectContaining({ kind: 'rate_limited' }) }));

    // Another agent's step runs while codex is parked.
    const other = await server.submit(table(codex.workdir, [{ job_id: 'k', steps: [{ step_id: 'c', agent: 'command', command: ['true'] }] }]));
    const otherBoard = await server.settled(other);
    expect(otherBoard.counts.succeeded).toBe(1);
    const [otherState] = await statesOf(server.runsDir, other, 'k', 'c');
    expect(otherState.ended_at < park.parked.until, `${otherState.ended_at} before ${park.parked.until}`).toBe(true);

    // Once the park is over the step runs again and succeeds, though max_attempts is 1.
    const board = await server.settled(batchId);
    expect(stepOf(board, 'j', 'a')).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [, retry] = await statesOf(server.runsDir, batchId, 'j', 'a');
    expect(retry).toMatchObject({ status: 'succeeded', trigger: 'auto_retry' });
    expect(retry.started_at >= park.parked.until).toBe(true);
    expect(board.dispatch_paused ?? null).toBeNull();
  });

  it('keeps a park across a restart, and release_pool ends it', async () => {
    const codex = await limitingCodex({ LIMITED: 1 });
    const config = { agents: { codex: codex.codex }, retries: { rate_limit_wait_seconds: 3600, limit_jitter_seconds: 0 } };
    const first = await HarnessServer.start({ env: codex.env, config });
    const batchId = await first.submit(table(codex.workdir, [{ job_id: 'j', steps: [{ step_id: 'a', agent: 'codex', prompt: 'LIMITED' }, { step_id: 'b', agent: 'codex', prompt: 'FINE', depends_on: [] }] }]));
    await eventually(async () => ((await first.ok('get_scoreboard', { batch_id: batchId })).dispatch_paused ? true : undefined), 'the codex pool to park');
    await eventually(async () => ((await first.ok('get_scoreboard', { batch_id: batchId })).counts.running === 0 ? true : undefined), 'the unparked step to end');
    await first.stop();

    const second = await HarnessServer.start({ runsDir: first.runsDir, env: codex.env, config });
    const board = await second.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
    expect(board.dispatch_paused).toMatch(/^codex parked until .*: rate limit$/);
    expect(stepOf(board, 'j', 'a')).toMatchObject({ status: 'ready', attempts: 1 });
    const requestsBefore = codex.model.requests.length;

    const released = await second.ok('release_pool', { agent: 'codex' });
    expect(released.released).toEqual([expect.objectContaining({ agent: 'codex', profile: 'default', parked: expect.objectContaining({ kind: 'rate_limited' }) })]);
    // The release ended the park and gave back the cap the rate limit had halved: nothing is left to keep.
    expect(JSON.parse(await readFile(poolsFile(second.runsDir), 'utf8')).pools).toEqual([]);
    const after = await second.settled(batchId);
    expect(stepOf(after, 'j', 'a')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(codex.model.requests.length).toBeGreaterThan(requestsBefore);
    expect(await second.ok('release_pool', { agent: 'codex' })).toMatchObject({ released: [] });
  });

  it('runs a step with its fallback agent once its pool has been parked for fallback_after_seconds', async () => {
    const codex = await limitingCodex({ LIMITED: 100 });
    const claudeModel = await startAnthropicServer(() => SUCCESS);
    whenDone(() => claudeModel.close());
    const server = await HarnessServer.start({
      env: { ...codex.env, ANTHROPIC_API_KEY: 'dummy', CLAUDE_CODE_MAX_RETRIES: '0' },
      config: {
        agents: { codex: codex.codex, claude: { command: bin('claude'), base_url: claudeModel.baseUrl } },
        retries: { rate_limit_wait_seconds: 3600, limit_jitter_seconds: 0 },
      },
    });
    const batchId = await server.submit(
      table(codex.workdir, [{ job_id: 'j', steps: [{ step_id: 'a', agent: 'codex', prompt: 'LIMITED', fallback_agent: 'claude', fallback_after_seconds: 1 }] }]),
    );
    const board = await server.settled(batchId);
    expect(stepOf(board, 'j', 'a')).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [limited, fallback] = await statesOf(server.runsDir, batchId, 'j', 'a');
    expect(limited).toMatchObject({ failure_reason: 'rate_limited', agent: 'codex' });
    expect(fallback).toMatchObject({ status: 'succeeded', agent: 'claude' });
    const dir = join(server.runsDir, batchId, 'j', 'a');
    const fallbackDir = (await readdir(dir)).find((n) => n.endsWith(fallback.run_id))!;
    const meta = JSON.parse(await readFile(join(dir, fallbackDir, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ agent: { name: 'claude' }, fallback: { from: 'codex', parked_since: expect.any(String), reason: expect.stringContaining('fallback_after_seconds') } });
    // codex stays parked: its pool was not released by the fallback's success.
    expect((await server.ok('get_scoreboard', {})).runners[0].pools).toContainEqual(expect.objectContaining({ agent: 'codex', parked: expect.anything() }));
  });
});
