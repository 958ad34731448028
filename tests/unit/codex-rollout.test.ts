import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRolloutUsage, RolloutFollower } from '../../src/agents/codex/codex-rollout.js';

// Lines of a real rollout, captured from codex 0.171.0 (`codex exec --json`) against
// tools/model-servers/responses-server.ts: three `shell` turns of 1000/200, 2000/300 and 3000/400
// tokens, then a message of 4000/500. The first line is its turn_context; then, per model
// response, a token_usage_record as the response completed and a token_count after the tool ran.
const FIXTURE = new URL('../fixtures/rollouts/codex-0.171.0-rollout-excerpt.jsonl', import.meta.url);
let lines: string[];
let dir: string;
beforeAll(async () => {
  lines = (await readFile(FIXTURE, 'utf8')).trimEnd().split('\n');
  dir = await mkdtemp(join(tmpdir(), 'harness-rollout-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('parseRolloutUsage over lines codex 0.171.0 wrote', () => {
  it('reads the thread’s totals from token_count and token_usage_record lines, and nothing from others', () => {
    expect(lines.map(parseRolloutUsage)).toEqual([
      null, // turn_context
      null, // the function_call response item
      { input_tokens: 1000, cached_input_tokens: 0, output_tokens: 200 }, // token_usage_record
      { input_tokens: 1000, cached_input_tokens: 0, output_tokens: 200 }, // token_count
      { input_tokens: 3000, cached_input_tokens: 0, output_tokens: 500 },
      { input_tokens: 6000, cached_input_tokens: 0, output_tokens: 900 },
      { input_tokens: 10000, cached_input_tokens: 0, output_tokens: 1400 },
    ]);
  });

  it('takes a torn or foreign line as no usage', () => {
    expect(parseRolloutUsage(lines[3]!.slice(0, 200))).toBeNull();
    expect(parseRolloutUsage('{"type":"event_msg","payload":{"type":"token_count","info":null}}')).toBeNull();
  });
});

describe('RolloutFollower', () => {
  it('reads only what was added since the last poll, skips what was there before, and waits for a line to end', async () => {
    const home = join(dir, 'home');
    const day = join(home, 'sessions', '2026', '12', '01');
    await mkdir(day, { recursive: true });
    const resumed = join(day, 'rollout-old.jsonl');
    await writeFile(resumed, `${lines[3]}\n`); // a resumed session's copy: not this attempt's usage
    const follower = await RolloutFollower.start(home);
    expect(await follower.poll()).toBeNull();

    const fresh = join(day, 'rollout-new.jsonl');
    await writeFile(fresh, `${lines[0]}\n${lines[3]}\n${lines[4]!.slice(0, 100)}`);
    expect(await follower.poll()).toEqual({ input_tokens: 1000, cached_input_tokens: 0, output_tokens: 200 });
    await appendFile(fresh, `${lines[4]!.slice(100)}\n`);
    expect(await follower.poll()).toEqual({ input_tokens: 3000, cached_input_tokens: 0, output_tokens: 500 });
    expect(await follower.poll()).toBeNull();
    await appendFile(resumed, `${lines[6]}\n`);
    expect(await follower.poll()).toEqual({ input_tokens: 10000, cached_input_tokens: 0, output_tokens: 1400 });
  });

  it('skips a line too long to be usage without losing the next one', async () => {
    const home = join(dir, 'long');
    const day = join(home, 'sessions', '2026', '12', '02');
    await mkdir(day, { recursive: true });
    const follower = await RolloutFollower.start(home);
    const file = join(day, 'rollout-x.jsonl');
    await writeFile(file, `{"type":"response_item","payload":{"output":"${'x'.repeat(600_000)}`);
    expect(await follower.poll()).toBeNull();
    await appendFile(file, `"}}\n${lines[5]}\n`);
    expect(await follower.poll()).toEqual({ input_tokens: 6000, cached_input_tokens: 0, output_tokens: 900 });
  });
});
