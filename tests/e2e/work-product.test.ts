import { mkdir, readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goal, stepOf, tempDir, treeSnapshot } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';
import { gitIn, gitRepo } from './servers/git-repo.js';

const BINARY = Buffer.from([0, 159, 146, 150, 0, 1]);

/** The one attempt directory of a step. */
async function attemptDir(runsDir: string, batchId: string, jobId: string, stepId: string): Promise<string> {
  const stepDir = join(runsDir, batchId, jobId, stepId);
  const [only] = (await readdir(stepDir)).sort();
  return join(stepDir, only!);
}

function table(jobs: Record<string, unknown>[], batchId = 'wp'): Record<string, unknown> {
  return { batch_id: batchId, batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs };
}

const sh = (script: string) => ['sh', '-c', script];

describe('the work product of a step', () => {
  it('commits what an isolated step changed on its job branch, and changes.json and diff.patch say what git diff says', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    const git = await gitRepo(repo, { 'a.txt': 'one\ntwo\n', 'gone.txt': 'bye\n', 'old.txt': 'moved\nas is\nhere\n', 'img.bin': BINARY });
    const base = (await git('rev-parse', 'HEAD')).trim();
    const server = await InProcessServer.start();
    const edit = sh('printf "one\\n2\\nthree\\n" > a.txt && rm gone.txt && mv old.txt new.txt && printf "\\000\\001\\002" > img.bin && mkdir -p src && echo hi > src/added.txt');
    const batchId = await server.submit(table([{ job_id: 'fixer', working_directory: repo, workspace_policy: 'isolated', steps: [{ step_id: 'edit', command: edit }] }]));
    const board = await server.settled(batchId);
    expect(stepOf(board, 'fixer', 'edit').status).toBe('succeeded');

    const branch = 'harness/wp/fixer';
    const tip = (await git('rev-parse', branch)).trim();
    expect((await git('rev-parse', `${branch}^`)).trim()).toBe(base); // one commit on the branch
    expect(await git('log', '-1', '--format=%an <%ae>|%s', branch)).toBe('harness-mcp <harness@localhost>|edit attempt 1: exited 0\n');
    const trailers = await git('log', '-1', '--format=%(trailers:only,unfold)', branch);
    const dirOfAttempt = await attemptDir(server.runsDir, batchId, 'fixer', 'edit');
    const state = JSON.parse(await readFile(join(dirOfAttempt, 'state.json'), 'utf8'));
    expect(trailers).toBe(`Harness-Batch: wp\nHarness-Job: fixer\nHarness-Step: edit\nHarness-Run: ${state.run_id}\nHarness-Status: succeeded\n\n`);
    expect(state.changes).toEqual({ start_commit: base, end_commit: tip, files: 5, lines_added: 3, lines_removed: 2 });
    const meta = JSON.parse(await readFile(join(dirOfAttempt, 'meta.json'), 'utf8'));
    expect(meta.workspace).toMatchObject({ policy: 'isolated', branch, start_commit: base, end_commit: tip });

    const changes = JSON.parse(await readFile(join(dirOfAttempt, 'changes.json'), 'utf8'));
    expect(changes).toMatchObject({ kind: 'branch', base, head: tip, branch, overlapped_with: [], nested_repositories: [] });
    expect((await git('rev-parse', changes.refs.end)).trim()).toBe(tip); // kept under refs/harness/ too
    expect(changes.files.map((f: any) => [f.path, f.status, f.binary]).sort()).toEqual([
      ['a.txt', 'modified', false],
      ['gone.txt', 'deleted', false],
      ['img.bin', 'modified', true],
      ['new.txt', 'renamed', false],
      ['src/added.txt', 'added', false],
    ]);
    expect(await readFile(join(dirOfAttempt, 'diff.patch'), 'utf8')).toBe(await git('diff', '--no-color', base, tip));
    // The user's checkout did not move, and the worktree is a clean checkout of the branch.
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(base);
    expect(await git('status', '--porcelain')).toBe('');
    const workspace = join(server.runsDir, batchId, 'fixer', 'workspace');
    expect(await gitIn(workspace, 'status', '--porcelain')).toBe('');
    expect((await gitIn(workspace, 'symbolic-ref', 'HEAD')).trim()).toBe(`refs/heads/${branch}`);
    await server.stop();
  });

  it('keeps the commits a step made itself and snapshots on top of them; a second step’s change is told apart from the first’s; nothing changed makes no commit', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    const git = await gitRepo(repo, { 'a.txt': 'a\n' });
    const base = (await git('rev-parse', 'HEAD')).trim();
    const server = await InProcessServer.start();
    const selfCommit = sh('echo b > b.txt && git add b.txt && git -c user.name=Agent -c user.email=agent@example.com commit -qm "agent commit" && echo c > c.txt');
    const batchId = await server.submit(
      table([
        {
          job_id: 'j',
          working_directory: repo,
          workspace_policy: 'isolated',
          steps: [
            { step_id: 'first', command: selfCommit },
            { step_id: 'second', command: sh('echo more >> a.txt'), depends_on: ['first'] },
            { step_id: 'idle', command: ['true'], depends_on: ['second'] },
          ],
        },
      ]),
    );
    const board = await server.settled(batchId);
    expect(stepOf(board, 'j', 'idle').status).toBe('succeeded');
    const log = await git('log', '--format=%an|%s', 'harness/wp/j');
    expect(log).toBe('harness-mcp|second attempt 1: exited 0\nharness-mcp|first attempt 1: exited 0\nAgent|agent commit\nTest Person|first\n');
    const read = async (step: string) => JSON.parse(await readFile(join(await attemptDir(server.runsDir, batchId, 'j', step), 'changes.json'), 'utf8'));
    const [first, second, idle] = [await read('first'), await read('second'), await read('idle')];
    expect(first.base).toBe(base);
    expect(first.files.map((f: any) => f.path)).toEqual(['b.txt', 'c.txt']);
    expect(second.base).toBe(first.head);
    expect(second.files).toEqual([{ path: 'a.txt', old_path: null, status: 'modified', lines_added: 1, lines_removed: 0, binary: false }]);
    expect(idle).toMatchObject({ base: second.head, head: second.head, files: [], totals: { files: 0, lines_added: 0, lines_removed: 0 } });
    await server.stop();
  });

  it('never commits on the branch of a shared git working directory, nor moves its HEAD or index, and keeps the attempt’s snapshots under refs/harness', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    const git = await gitRepo(repo, { 'a.txt': 'a\n', 'staged.txt': 's\n' });
    const base = (await git('rev-parse', 'HEAD')).trim();
    await gitIn(repo, 'rm', '-q', '--cached', 'staged.txt'); // the user's own staging, mid-work
    const indexBefore = await readFile(join(repo, '.git', 'index'));
    const statusBefore = await git('status', '--porcelain');
    const server = await InProcessServer.start();
    const batchId = await server.submit(table([{ job_id: 's', working_directory: repo, steps: [{ step_id: 'edit', command: sh('echo changed >> a.txt') }] }]));
    expect(stepOf(await server.settled(batchId), 's', 'edit').status).toBe('succeeded');
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(base);
    expect((await git('rev-parse', 'main')).trim()).toBe(base);
    expect(await readFile(join(repo, '.git', 'index'))).toEqual(indexBefore);
    const lines = (text: string) => text.split('\n').filter(Boolean).sort();
    expect(lines(await git('status', '--porcelain'))).toEqual([...lines(statusBefore), ' M a.txt'].sort());
    const changes = JSON.parse(await readFile(join(await attemptDir(server.runsDir, batchId, 's', 'edit'), 'changes.json'), 'utf8'));
    expect(changes.kind).toBe('refs');
    expect(changes.files.map((f: any) => f.path)).toEqual(['a.txt']); // the user's earlier unstaging is not the attempt's
    expect((await git('rev-parse', changes.refs.start)).trim()).toBe(changes.base);
    expect((await git('rev-parse', changes.refs.end)).trim()).toBe(changes.head);
    expect(await git('diff', '--no-color', changes.refs.start, changes.refs.end)).toBe(await readFile(join(await attemptDir(server.runsDir, batchId, 's', 'edit'), 'diff.patch'), 'utf8'));
    expect(await git('branch', '--list')).toBe('* main\n');
    await server.stop();
  });
});

describe('where a job starts in git', () => {
  it('starts an isolated job’s branch at its base_ref, resolved at submit', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    const git = await gitRepo(repo, { 'a.txt': 'old\n' });
    const first = (await git('rev-parse', 'HEAD')).trim();
    await git('tag', 'start-here');
    await git('commit', '-q', '--allow-empty', '-m', 'later');
    const server = await InProcessServer.start();
    const batchId = await server.submit(table([{ job_id: 'j', working_directory: repo, workspace_policy: 'isolated', base_ref: 'start-here', steps: [{ step_id: 's', command: ['true'] }] }]));
    await server.settled(batchId);
    const meta = JSON.parse(await readFile(join(server.runsDir, batchId, 'batch_meta.json'), 'utf8'));
    expect(meta.jobs[0].git).toEqual({ repository: repo, base_ref: 'start-here', base_commit: first, branch: 'harness/wp/j' });
    expect((await git('rev-parse', 'harness/wp/j')).trim()).toBe(first);
    await server.stop();
  });

  it('refuses a base_ref that names no commit, one outside git, a repository with no commit, and a branch an earlier batch left, writing nothing', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    const git = await gitRepo(repo, { 'a.txt': 'a\n' });
    await git('branch', 'harness/wp/taken');
    await git('update-ref', 'refs/harness/wp/stale/last', 'HEAD'); // an earlier batch's branch deleted by hand, its mark not
    const other = join(dir, 'other');
    await (await gitRepo(other, { 'o.txt': 'o\n' }))('branch', 'harness');
    const plain = join(dir, 'plain');
    const empty = join(dir, 'empty');
    await mkdir(plain);
    await mkdir(empty);
    await git('init', '-q', empty);
    const server = await InProcessServer.start();
    await server.submit(table([{ job_id: 'warm', working_directory: plain, steps: [{ step_id: 's', command: ['true'] }] }], 'warm'));
    await server.settled('warm');
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ job_id: 'j', working_directory: repo, base_ref: 'no-such-ref' }, 'jobs[0].base_ref', /"no-such-ref" names no commit in/],
      [{ job_id: 'j', working_directory: plain, base_ref: 'main' }, 'jobs[0].base_ref', /is not in a git repository, so there is no ref to start from/],
      [{ job_id: 'j', working_directory: empty, workspace_policy: 'isolated' }, 'jobs[0].working_directory', /has no commit yet: commit something first/],
      [{ job_id: 'taken', working_directory: repo, workspace_policy: 'isolated' }, 'jobs[0].job_id', /the branch harness\/wp\/taken cannot be made in .*: it already exists/],
      [{ job_id: 'j', working_directory: other, workspace_policy: 'isolated' }, 'jobs[0].job_id', /the branch harness\/wp\/j cannot be made in .*: the branch harness exists/],
      [{ job_id: 'x.lock', working_directory: repo }, 'jobs[0].job_id', /git refuses refs named after batch `wp` and job `x.lock`/],
      [{ job_id: 'stale', working_directory: repo, workspace_policy: 'isolated' }, 'jobs[0].job_id', /an earlier batch with this batch_id left refs\/harness\/wp\/stale\/last, which a new branch would inherit/],
      [{ job_id: 'j', working_directory: repo, base_ref: '--output=/tmp/x' }, 'jobs[0].base_ref', /not starting with -/],
    ];
    for (const [job, path, message] of cases) {
      const before = await treeSnapshot(server.runsDir);
      const refs = await git('for-each-ref');
      const refused = await server.error('submit_batch', table([{ ...job, steps: [{ step_id: 's', command: ['true'] }] }]));
      expect(refused.code).toBe('launch_table_invalid');
      expect(refused.error?.problems).toEqual([{ path, message: expect.stringMatching(message) }]);
      expect(await treeSnapshot(server.runsDir)).toEqual(before);
      expect(await git('for-each-ref')).toBe(refs);
    }
    await server.stop();
  });

  it('ends an attempt whose source repository vanished after submit with a clear spawn_error', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    await gitRepo(repo, { 'a.txt': 'a\n' });
    const server = await InProcessServer.start();
    await server.ok('set_drain', { drain: true });
    const batchId = await server.submit(table([{ job_id: 'j', working_directory: repo, workspace_policy: 'isolated', steps: [{ step_id: 's', command: ['true'] }] }]));
    await rename(repo, join(dir, 'moved'));
    await server.ok('set_drain', { drain: false });
    const step = stepOf(await server.settled(batchId), 'j', 's');
    const state = JSON.parse((await server.ok('fetch_artifact', { run_id: step.run_id, name: 'state' })).content);
    expect(state).toMatchObject({ status: 'failed', failure_reason: 'spawn_error' });
    expect(state.message).toMatch(/could not prepare the attempt: .*(No such file|not a directory|cannot change to)/i);
    await server.stop();
  });
});

