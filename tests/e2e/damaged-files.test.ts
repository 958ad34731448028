import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv, eventually, HarnessServer, oneJob, stepOf, tempDir, TEST_CONFIG, workDirIn } from './servers/harness-server.js';

const exec = promisify(execFile);
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** Runs a launch table to its end from the terminal, in a root of its own. */
async function run(dir: string, runs: string, table: Record<string, unknown>): Promise<void> {
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify(TEST_CONFIG));
  const path = join(dir, `${String(table.batch_id)}.json`);
  await writeFile(path, JSON.stringify(table));
  await exec(process.execPath, [CLI, 'run', path, '--runs-dir', runs, '--config', config], { cwd: dir, env: cliEnv() });
}

/**
 * Two settled batches, `kept` (job j, steps a and b) and `other`; `kept` read from its attempt
 * directories (no attempts index), so that every one of its files is read at start-up.
 */
let template: string;
let workDir: string;
beforeAll(async () => {
  workDir = await tempDir(cleanups);
  template = join(workDir, 'runs');
  await run(workDir, template, { ...oneJob(await workDirIn(workDir), [{ step_id: 'a', command: ['true'] }, { step_id: 'b', command: ['true'] }]), batch_id: 'kept' });
  await run(workDir, template, { ...oneJob(await workDirIn(workDir), [{ step_id: 'x', command: ['true'] }]), batch_id: 'other' });
  await rm(join(template, 'kept', 'attempts_index.json'));
});

async function attemptDir(runs: string, stepId: string): Promise<string> {
  const stepDir = join(runs, 'kept', 'j', stepId);
  const [name] = await readdir(stepDir);
  return join(stepDir, name!);
}

type Damage = 'empty' | 'torn' | 'wrong shape' | 'a directory';

async function damage(path: string, how: Damage): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await mkdir(join(path, '..'), { recursive: true });
  if (how === 'a directory') await mkdir(path);
  else await writeFile(path, { empty: '', torn: '{"batch_id": "kept", ', 'wrong shape': '{"batch_id": 7}' }[how]);
}

interface Case {
  file: { label: string; path: (runs: string) => Promise<string> };
  how: Damage;
  /** What the system scoreboard says of it, if anything. */
  outcome?: 'batch_not_served' | 'attempt_ended' | 'set_aside';
  /** More to do to the root first. */
  prepare?: (runs: string) => Promise<void>;
}

const attemptFile = (step: string, name: string) => ({ label: `kept/j/${step}/<attempt>/${name}`, path: async (runs: string) => join(await attemptDir(runs, step), name) });
const at = (...parts: string[]) => ({ label: parts.join('/'), path: async (runs: string) => join(runs, ...parts) });

const CASES: Case[] = [
  ...(['empty', 'torn', 'wrong shape', 'a directory'] as const).flatMap((how): Case[] => [
    { file: at('kept', 'batch_meta.json'), how, outcome: 'batch_not_served' },
    { file: attemptFile('a', 'state.json'), how, outcome: 'attempt_ended' },
  ]),
  // current.json is read when an attempt changes: the queued one (a state.json never written) that recovery ends.
  { file: at('kept', 'j', 'current.json'), how: 'empty', outcome: 'set_aside', prepare: async (runs) => rm(await attemptFile('b', 'state.json').path(runs)) },
  { file: at('kept', 'j', 'current.json'), how: 'torn', outcome: 'set_aside', prepare: async (runs) => rm(await attemptFile('b', 'state.json').path(runs)) },
  { file: at('kept', 'j', 'current.json'), how: 'empty' },
  { file: at('kept', 'attempts_index.json'), how: 'empty' },
  { file: at('kept', 'attempts_index.json'), how: 'torn' },
  { file: at('kept', 'scoreboard.batch.json'), how: 'empty' },
  { file: attemptFile('a', 'meta.json'), how: 'empty' },
  { file: attemptFile('a', 'final.json'), how: 'torn' },
  { file: attemptFile('a', 'events.jsonl'), how: 'torn' },
  { file: at('_system', 'harness_config.json'), how: 'empty' },
  {
    file: { label: '_system/harness_config_versions/<version>.json', path: async (runs) => join(runs, '_system', 'harness_config_versions', (await readdir(join(runs, '_system', 'harness_config_versions')))[0]!) },
    how: 'empty',
  },
  { file: at('_system', 'owner.json'), how: 'torn' },
  { file: at('_system', 'scoreboard.system.json'), how: 'empty' },
  { file: at('_system', 'runners', 'someone', 'health.json'), how: 'torn' },
  { file: at('_system', 'queue', 'control', 'x.request.json'), how: 'torn' },
];

/** Waits for `text` in the server's log: stderr reaches this process on its own pipe, after or before the answers. */
async function saidOnStderr(server: HarnessServer, text: string): Promise<void> {
  await eventually(async () => server.stderr.includes(text) || undefined, `the server to log ${text}`);
}

describe('a server starting on a runs root with one file it cannot read', () => {
  let started = 0;
  afterAll(() => {
    // The figure of RELIABILITY.md: starts out of damaged roots.
    console.log(`damaged-files: the server started ${started} times out of ${CASES.length} roots, each with one damaged file`);
  });

  it.each(CASES.map((c) => [`${c.file.label} ${c.how}${c.prepare ? ' (with a queued attempt in its job)' : ''}`, c] as const))('%s: it starts, serves every other batch and says what it did', async (_, c) => {
    const dir = await tempDir();
    const runs = join(dir, 'runs');
    await cp(template, runs, { recursive: true });
    await c.prepare?.(runs);
    const file = await c.file.path(runs);
    await damage(file, c.how);

    const server = await HarnessServer.start({ runsDir: runs });
    const system = await server.ok('get_scoreboard', { detail: 'full' });
    started++;
    expect(system.batches.find((b: any) => b.batch_id === 'other')).toMatchObject({ settled: true, counts: { succeeded: 1 } });
    const other = await server.ok('get_scoreboard', { batch_id: 'other', detail: 'full' });
    expect(stepOf(other, 'j', 'x').status).toBe('succeeded');

    if (c.outcome === 'batch_not_served') {
      expect(system.damaged).toEqual([expect.objectContaining({ batch_id: 'kept', path: file, outcome: 'batch_not_served' })]);
      expect(system.batches.map((b: any) => b.batch_id)).toEqual(['other']);
      const refused = await server.error('get_scoreboard', { batch_id: 'kept' });
      expect(refused.code).toBe(c.how === 'a directory' ? 'file_unreadable' : 'file_corrupt');
      expect(refused.text).toContain(file);
      // A run of the batch is not "not found" either.
      const runId = (await attemptDir(runs, 'a')).slice(-16);
      expect((await server.error('fetch_artifact', { run_id: runId, name: 'state' })).code).toBe(refused.code);
      await saidOnStderr(server, `batch kept is not served until its file is repaired: ${file}`);
      expect(await readFile(join(runs, 'kept', 'batch_meta.json')).catch(() => 'a directory')).toBeDefined(); // left where it is
    } else if (c.outcome) {
      expect(system.damaged).toEqual([expect.objectContaining({ batch_id: 'kept', path: file, outcome: c.outcome })]);
      expect((await stat(`${file}.damaged`)).isFile() || c.how === 'a directory').toBe(true);
      await saidOnStderr(server, `moved to ${file}.damaged`);
      expect(server.stderr).toContain(`${file} `);
      const kept = await server.ok('get_scoreboard', { batch_id: 'kept', detail: 'full' });
      if (c.outcome === 'attempt_ended') {
        const [state] = await Promise.all([readFile(file, 'utf8').then(JSON.parse)]);
        expect(state).toMatchObject({ status: 'failed', failure_reason: 'runner_lost' });
        expect(state.message).toContain(`its state.json `);
        expect(state.message).toContain(`moved to ${file}.damaged`);
        expect(stepOf(kept, 'j', 'a')).toMatchObject({ status: 'failed' });
        expect(stepOf(kept, 'j', 'b')).toMatchObject({ status: 'succeeded' });
      } else {
        const current = JSON.parse(await readFile(file, 'utf8'));
        expect(current.steps.b.latest).toMatchObject({ status: 'failed' });
      }
    } else {
      expect(system.damaged).toEqual([]);
      expect(system.batches.map((b: any) => b.batch_id)).toEqual(['kept', 'other']);
    }
  });
});
