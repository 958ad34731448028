import { execFile } from 'node:child_process';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AttemptMetaSchema,
  AttemptStateSchema,
  BatchMetaSchema,
  BatchScoreboardSchema,
  CurrentIndexSchema,
  FinalReportSchema,
  HarnessConfigFileSchema,
  SystemScoreboardSchema,
} from '../../src/core/index.js';
import { agent, eventually, goal, HarnessServer, stepOf, tempDir, oneJob } from './servers/harness-server.js';

const json = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

describe('the files on disk', () => {
  it('match docs/spec.md §4: every JSON file parses with its schema and every attempt directory is named <UTC>_<run_id>', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit({
      batch_goal_summary: goal(),
      defaults: { agent: 'command' },
      jobs: [
        { job_id: 'a', working_directory: dir, steps: [{ step_id: 'one', command: ['echo', 'hi'] }, { step_id: 'two', command: [agent('exit-with.sh'), '2'], depends_on: ['one'] }] },
        { job_id: 'b', working_directory: dir, steps: [{ step_id: 'solo', command: [agent('report.sh'), '{"status":"success","summary":"done"}'] }] },
      ],
    });
    const board = await server.settled(batchId);
    const root = server.runsDir;
    HarnessConfigFileSchema.parse(await json(join(root, '_system', 'harness_config.json')));
    const meta = BatchMetaSchema.parse(await json(join(root, batchId, 'batch_meta.json')));
    expect(meta.jobs.map((j) => j.job_id)).toEqual(['a', 'b']);

    for (const job of meta.jobs) {
      const current = CurrentIndexSchema.parse(await json(join(root, batchId, job.job_id, 'current.json')));
      for (const step of job.steps) {
        const stepDir = join(root, batchId, job.job_id, step.step_id);
        const attempts = (await readdir(stepDir)).sort();
        expect(attempts.length).toBeGreaterThan(0);
        for (const name of attempts) {
          const [, runId] = /^\d{8}T\d{9}Z_([0-9a-f]{16})$/.exec(name) ?? [];
          expect(runId, name).toBeDefined();
          const attemptDir = join(stepDir, name);
          expect((await readdir(attemptDir)).sort()).toEqual(
            expect.arrayContaining(['events.jsonl', 'final.json', 'meta.json', 'state.json', 'stderr.log', 'stdout.log']),
          );
          const state = AttemptStateSchema.parse(await json(join(attemptDir, 'state.json')));
          expect(state.run_id).toBe(runId);
          expect(AttemptMetaSchema.parse(await json(join(attemptDir, 'meta.json'))).run_id).toBe(runId);
          expect(FinalReportSchema.parse(await json(join(attemptDir, 'final.json'))).status).toBe(state.status);
          for (const line of (await readFile(join(attemptDir, 'events.jsonl'), 'utf8')).trim().split('\n')) JSON.parse(line);
        }
        // current.json points at the newest attempt of each step.
        const newest = attempts.at(-1)!;
        expect(current.steps[step.step_id]!.latest).toMatchObject({ run_id: newest.slice(-16), attempt_dir: `${batchId}/${job.job_id}/${step.step_id}/${newest}` });
      }
    }
    expect(await readFile(join(root, batchId, 'a', 'one', (await readdir(join(root, batchId, 'a', 'one')))[0]!, 'stdout.log'), 'utf8')).toBe('hi\n');

    // The derived scoreboards reach the disk too.
    const onDisk = await eventually(async () => {
      const file = BatchScoreboardSchema.parse(await json(join(root, batchId, 'scoreboard.batch.json')));
      return file.settled ? file : undefined;
    }, 'the batch scoreboard file to show the batch settled');
    expect(onDisk.counts).toEqual(board.counts);
    expect(onDisk.steps).toHaveLength(3);
    // The system scoreboard follows a burst of batch changes with one write.
    const system = await eventually(async () => SystemScoreboardSchema.parse(await json(join(root, '_system', 'scoreboard.system.json'))), 'the system scoreboard file');
    expect(system.batches[0]!.scoreboard_path).toBe(join(root, batchId, 'scoreboard.batch.json'));
  });

  it('advances last_heartbeat_at while a step shows activity', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'talk', command: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; sleep 0.15; done'] }]));
    const board = await server.settled(batchId);
    const state = JSON.parse((await server.ok('fetch_artifact', { run_id: stepOf(board, 'j', 'talk').run_id, name: 'state' })).content);
    expect(Date.parse(state.last_heartbeat_at)).toBeGreaterThan(Date.parse(state.started_at));
    expect(Date.parse(state.last_heartbeat_at)).toBeLessThanOrEqual(Date.parse(state.ended_at));
  });
});

describe('workspace policy', () => {
  it('gives an isolated job in a git repository its own worktree, shared by its steps', async () => {
    const repo = await tempDir();
    const git = (...args: string[]) => promisify(execFile)('git', ['-C', repo, ...args]);
    await git('init', '-q');
    await writeFile(join(repo, 'README'), 'original\n');
    await git('add', '.');
    await git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init');
    const server = await HarnessServer.start();
    const batchId = await server.submit({
      batch_goal_summary: goal(),
      defaults: { agent: 'command' },
      jobs: [
        {
          job_id: 'iso',
          working_directory: repo,
          workspace_policy: 'isolated',
          steps: [
            { step_id: 'write', command: ['sh', '-c', 'echo changed > README && echo new > made-here'] },
            { step_id: 'read', command: ['cat', 'made-here'], depends_on: ['write'] },
          ],
        },
      ],
    });
    const board = await server.settled(batchId);
    expect(board.counts.succeeded).toBe(2);
    const workspace = join(server.runsDir, batchId, 'iso', 'workspace');
    expect(await readFile(join(workspace, 'README'), 'utf8')).toBe('changed\n');
    expect(await readFile(join(repo, 'README'), 'utf8')).toBe('original\n'); // the repository is untouched
    await expect(access(join(repo, 'made-here'))).rejects.toThrow();
    expect((await git('worktree', 'list')).stdout).toContain(workspace);
    const meta = JSON.parse((await server.ok('fetch_artifact', { run_id: stepOf(board, 'iso', 'read').run_id, name: 'meta' })).content);
    const tip = (await git('rev-parse', `harness/${batchId}/iso`)).stdout.trim();
    expect(meta.workspace).toEqual({ policy: 'isolated', root: workspace, branch: `harness/${batchId}/iso`, start_commit: tip, end_commit: tip }); // `read` changed nothing
    expect((await server.ok('fetch_artifact', { run_id: stepOf(board, 'iso', 'read').run_id, name: 'stdout' })).content).toBe('new\n');
  });

  it('copies a directory that is not a git repository', async () => {
    const plain = await tempDir();
    await writeFile(join(plain, 'data.txt'), 'input\n');
    const server = await HarnessServer.start();
    const batchId = await server.submit({
      batch_goal_summary: goal(),
      defaults: { agent: 'command' },
      jobs: [{ job_id: 'copy', working_directory: plain, workspace_policy: 'isolated', steps: [{ step_id: 's', command: ['sh', '-c', 'cat data.txt && echo out > result'] }] }],
    });
    await server.settled(batchId);
    const workspace = join(server.runsDir, batchId, 'copy', 'workspace');
    expect(await readFile(join(workspace, 'result'), 'utf8')).toBe('out\n');
    await expect(access(join(plain, 'result'))).rejects.toThrow();
  });
});

describe('fairness', () => {
  it('shares the slots between batches instead of running one batch to the end first', async () => {
    const dir = await tempDir();
    const ledger = join(dir, 'ledger');
    const server = await HarnessServer.start({ maxConcurrency: 1 });
    const steps = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ step_id: `${prefix}${i}`, command: [agent('ledger.sh'), ledger, `${prefix}${i}`, '0.1'] }));
    const first = await server.submit({ batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs: [{ job_id: 'j', working_directory: dir, steps: steps('a', 6) }] });
    const second = await server.submit({ batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs: [{ job_id: 'j', working_directory: dir, steps: steps('b', 2) }] });
    await server.settled(first);
    await server.settled(second);
    const order = (await readFile(ledger, 'utf8')).trim().split('\n').filter((l) => l.startsWith('start')).map((l) => l.split(' ')[1]);
    // Both of the second batch's steps start before the first batch's last three.
    expect(order.indexOf('b1')).toBeLessThan(order.indexOf('a3'));
  });
});
