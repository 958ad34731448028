import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { eventually, goal, runCli, stepOf, tempDir, treeSnapshot } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';
import { gitRepo } from './servers/git-repo.js';

const exec = promisify(execFile);
const sh = (script: string) => ['sh', '-c', script];

const cli = runCli;

/** The runs root's files, but the runner's health, which the live server rewrites on its own clock. */
async function storeFiles(runsDir: string): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await treeSnapshot(runsDir)).filter(([path]) => !path.startsWith('/_system/runners/')));
}

/** The one attempt directory of a step. */
async function attemptDirOf(runsDir: string, batchId: string, jobId: string, stepId: string): Promise<string> {
  const stepDir = join(runsDir, batchId, jobId, stepId);
  const [only] = await readdir(stepDir);
  return join(stepDir, only!);
}

/**
 * A batch with an isolated job in a git repository, two steps in a row (the second undoes part
 * of the first, so the branch's change is not the sum of the steps'), and a job in a plain
 * directory; settled.
 */
async function settledBatch() {
  const dir = await tempDir();
  const repo = join(dir, 'work');
  const git = await gitRepo(repo, { 'a.txt': 'one\ntwo\n', 'b.txt': 'bee\n', 'docs/keep.md': 'keep\n' });
  const base = (await git('rev-parse', 'HEAD')).trim();
  const plain = join(dir, 'plain');
  await mkdir(plain);
  const server = await InProcessServer.start();
  const batchId = await server.submit({
    batch_id: 'views',
    batch_goal_summary: goal(),
    defaults: { agent: 'command' },
    jobs: [
      {
        job_id: 'fixer',
        working_directory: repo,
        workspace_policy: 'isolated',
        steps: [
          { step_id: 'one', command: sh('printf "one\\n2\\n3\\n" > a.txt && mkdir -p src && printf "x\\ny\\n" > src/tmp.txt') },
          { step_id: 'two', depends_on: ['one'], command: sh('rm src/tmp.txt && echo "bee too" >> b.txt') },
        ],
      },
      { job_id: 'plain', working_directory: plain, steps: [{ step_id: 'p', command: sh('echo made > made.txt') }, { step_id: 'noop', depends_on: ['p'], command: ['true'] }] },
      { job_id: 'copy', working_directory: plain, workspace_policy: 'isolated', steps: [{ step_id: 'c', command: sh('echo copied > copied.txt') }] },
    ],
  });
  const board = await server.settled(batchId);
  expect(board.counts.succeeded).toBe(5);
  return { dir, repo, git, base, server, batchId, board };
}

describe('what steps and jobs changed, on the scoreboard and through get_changes', () => {
  it('shows each step’s change and each isolated job’s branch as a whole on the scoreboard', async () => {
    const { git, base, server, batchId, board } = await settledBatch();
    const tip = (await git('rev-parse', 'harness/views/fixer')).trim();
    expect(stepOf(board, 'fixer', 'one').changes).toEqual({ files: 2, lines_added: 4, lines_removed: 1 });
    expect(stepOf(board, 'fixer', 'two').changes).toEqual({ files: 2, lines_added: 1, lines_removed: 2 });
    expect(stepOf(board, 'copy', 'c').changes).toEqual({ files: 1, lines_added: 1, lines_removed: 0 });
    // A shared directory outside git is not recorded: no `changes`, and get_changes says so.
    expect(stepOf(board, 'plain', 'p')).not.toHaveProperty('changes');
    expect((await server.error('get_changes', { batch_id: batchId, job_id: 'plain', step_id: 'p' })).code).toBe('change_not_recorded');
    // base..branch: src/tmp.txt came and went, so it is not there, and the totals are git's.
    const numstat = await git('diff', '--numstat', base, tip);
    expect(numstat).toBe('2\t1\ta.txt\n1\t0\tb.txt\n');
    expect(board.job_changes).toEqual({
      total: 1,
      items: [{ job_id: 'fixer', branch: 'harness/views/fixer', base, head: tip, files: 2, lines_added: 3, lines_removed: 1 }],
    });
    // The summary keeps it; a step with no recorded change has no `changes` at all.
    const summary = await server.ok('get_scoreboard', { batch_id: batchId });
    expect(summary.job_changes.items[0]).toMatchObject({ job_id: 'fixer', head: tip });
    const file = JSON.parse(await readFile(join(server.runsDir, batchId, 'fixer', 'branch.json'), 'utf8'));
    expect(file).toMatchObject({ batch_id: batchId, job_id: 'fixer', branch: 'harness/views/fixer', base, head: tip, files: 2 });
  });

  it('answers an attempt’s files and its patch by step or by run, a job’s branch as a whole, narrowed by paths and paged', async () => {
    const { git, base, server, batchId, board } = await settledBatch();
    const tip = (await git('rev-parse', 'harness/views/fixer')).trim();
    const one = stepOf(board, 'fixer', 'one').run_id;
    const byStep = await server.ok('get_changes', { batch_id: batchId, job_id: 'fixer', step_id: 'one', include_patch: true });
    const oneEnd = (await git('rev-parse', 'harness/views/fixer^')).trim();
    expect(byStep).toMatchObject({ scope: 'attempt', run_id: one, step_id: 'one', kind: 'branch', branch: 'harness/views/fixer', base, head: oneEnd, overlapped_with: [] });
    expect(byStep.totals).toEqual({ files: 2, lines_added: 4, lines_removed: 1 });
    expect(byStep.files.map((f: any) => [f.path, f.status])).toEqual([
      ['a.txt', 'modified'],
      ['src/tmp.txt', 'added'],
    ]);
    expect(byStep.patch).toMatchObject({ offset: 0, eof: true, content: await git('diff', '--no-color', base, oneEnd) });
    const byRun = await server.ok('get_changes', { run_id: one });
    expect(byRun).toEqual({ ...byStep, patch: undefined });
    expect(byRun).not.toHaveProperty('patch');

    // The job as a whole is base..branch, asked of git now.
    const job = await server.ok('get_changes', { batch_id: batchId, job_id: 'fixer', include_patch: true });
    expect(job).toMatchObject({ scope: 'job', step_id: null, run_id: null, kind: 'branch', base, head: tip, totals: { files: 2, lines_added: 3, lines_removed: 1 } });
    expect(job.files.map((f: any) => f.path)).toEqual(['a.txt', 'b.txt']);
    expect(job.patch.content).toBe(await git('diff', '--no-color', base, tip));

    // paths narrows the list, the totals and the patch (a directory names what is below it).
    const narrowed = await server.ok('get_changes', { batch_id: batchId, job_id: 'fixer', paths: ['b.txt'], include_patch: true });
    expect(narrowed.files.map((f: any) => f.path)).toEqual(['b.txt']);
    expect(narrowed.totals).toEqual({ files: 1, lines_added: 1, lines_removed: 0 });
    expect(narrowed.patch.content).toBe(await git('diff', '--no-color', base, tip, '--', 'b.txt'));
    const inDir = await server.ok('get_changes', { batch_id: batchId, job_id: 'fixer', step_id: 'one', paths: ['src/'], include_patch: true });
    expect(inDir.files.map((f: any) => f.path)).toEqual(['src/tmp.txt']);
    expect(inDir.patch.content).toBe(await git('diff', '--no-color', base, oneEnd, '--', 'src'));
    const none = await server.ok('get_changes', { batch_id: batchId, job_id: 'fixer', paths: ['nowhere'], include_patch: true });
    expect(none).toMatchObject({ files: [], totals: { files: 0, lines_added: 0, lines_removed: 0 }, patch: { content: '', size: 0, eof: true } });

    // Paged: 16 bytes at a time, the pages make the whole patch, by step and for the job.
    for (const address of [{ step_id: 'one' }, {}]) {
      let content = '';
      for (let offset = 0, pages = 0; ; pages++) {
        const page = (await server.ok('get_changes', { batch_id: batchId, job_id: 'fixer', ...address, include_patch: true, patch_offset: offset, max_patch_bytes: 16 })).patch;
        expect(Buffer.byteLength(page.content)).toBeLessThanOrEqual(16);
        content += page.content;
        if (page.eof) break;
        offset = page.next_offset;
        expect(pages).toBeLessThan(1000);
      }
      expect(content).toBe('step_id' in address ? byStep.patch.content : job.patch.content);
    }

    // The text rendering names the files.
    const text = ((await server.call('get_changes', { run_id: one })).content as any)[0].text;
    expect(text).toMatch(/2 files, \+4 -1/);
    expect(text).toContain('added    +2 -0  src/tmp.txt');
  });

  it('serves changes and diff through fetch_artifact and the run resources', async () => {
    const { git, base, server, board } = await settledBatch();
    const one = stepOf(board, 'fixer', 'one').run_id;
    const oneEnd = (await git('rev-parse', 'harness/views/fixer^')).trim();
    const changes = JSON.parse((await server.ok('fetch_artifact', { run_id: one, name: 'changes' })).content);
    expect(changes).toMatchObject({ run_id: one, base, head: oneEnd, totals: { files: 2 } });
    const patch = await server.ok('fetch_artifact', { run_id: one, name: 'diff', max_bytes: 20 });
    expect(patch).toMatchObject({ name: 'diff', offset: 0, next_offset: 20, eof: false });
    const resource = await server.client.readResource({ uri: `harness://runs/${one}/diff` });
    expect(resource.contents[0]).toMatchObject({ mimeType: 'text/x-diff', text: await git('diff', '--no-color', base, oneEnd) });
    const record = await server.client.readResource({ uri: `harness://runs/${one}/changes` });
    expect(JSON.parse((record.contents[0] as any).text)).toEqual(changes);
    const { tools } = await server.client.listTools();
    expect(tools.find((t) => t.name === 'fetch_artifact')!.inputSchema.properties!.name).toMatchObject({ description: expect.stringContaining('diff') });
  });

  it('refuses what it cannot answer with a clear error, and changes nothing', async () => {
    const { repo, git, server, batchId, board, dir } = await settledBatch();
    const one = stepOf(board, 'fixer', 'one').run_id;
    const refsBefore = await git('for-each-ref');
    const runsBefore = await storeFiles(server.runsDir);
    const repoBefore = await treeSnapshot(repo);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ batch_id: 'nope', job_id: 'fixer' }, 'not_found', /No batch `nope`; list_batches shows/],
      [{ batch_id: batchId, job_id: 'ghost' }, 'not_found', /No job `ghost`; the jobs of batch views are fixer, plain, copy/],
      [{ batch_id: batchId, job_id: 'fixer', step_id: 'three' }, 'not_found', /No step `three`; the steps of job fixer are one, two/],
      [{ run_id: 'ffffffffffffffff' }, 'not_found', /No run `ffffffffffffffff`; run ids are in get_scoreboard/],
      [{ run_id: one, batch_id: batchId }, 'invalid_argument', /give run_id alone/],
      [{ step_id: 'one' }, 'invalid_argument', /give run_id, or batch_id and job_id/],
      [{ batch_id: batchId, job_id: 'plain' }, 'no_job_branch', /job plain has no branch of its own \(its workspace is shared: .*\); ask for one step's change with step_id/],
      [{ batch_id: batchId, job_id: 'copy' }, 'no_job_branch', /job copy has no branch of its own \(.*plain is not in a git repository\)/],
      [{ run_id: one, include_patch: true, patch_offset: 1_000_000 }, 'invalid_argument', /patch_offset: 1000000 is past the end of diff/],
      [{ batch_id: batchId, job_id: 'fixer', include_patch: true, patch_offset: 1_000_000 }, 'invalid_argument', /patch_offset: 1000000 is past the end of the patch/],
      [{ run_id: one, include_patch: true, max_patch_bytes: 10_000_000 }, 'invalid_argument', /max_patch_bytes: 10000000 is over the limit/],
      [{ run_id: one, patch_offset: 5 }, 'invalid_argument', /give it with include_patch: true/],
    ];
    for (const [args, code, message] of cases) {
      const error = await server.error('get_changes', args);
      expect(error.code, JSON.stringify(args)).toBe(code);
      expect(error.text, JSON.stringify(args)).toMatch(message);
    }
    // Arguments of the wrong type are refused by their schema before anything is read.
    for (const paths of [[1, 2], 'a.txt', []]) {
      const result = await server.call('get_changes', { run_id: one, paths });
      expect(result.isError).toBe(true);
      expect((result.content as any)[0].text).toMatch(/paths/);
    }
    // A changes.json that does not parse is named.
    const changesFile = join(await attemptDirOf(server.runsDir, batchId, 'fixer', 'two'), 'changes.json');
    const kept = await readFile(changesFile);
    await writeFile(changesFile, '{"run_id": 1');
    const corrupt = await server.error('get_changes', { batch_id: batchId, job_id: 'fixer', step_id: 'two' });
    expect(corrupt.code).toBe('file_corrupt');
    expect(corrupt.text).toContain(changesFile);
    await writeFile(changesFile, kept);
    // A repository that moved away is said so.
    await exec('mv', [repo, join(dir, 'moved')]);
    const moved = await server.error('get_changes', { batch_id: batchId, job_id: 'fixer' });
    expect(moved).toMatchObject({ code: 'repo_missing' });
    expect(moved.text).toContain(`${repo} is gone (moved or deleted?)`);
    await exec('mv', [join(dir, 'moved'), repo]);
    expect(await git('for-each-ref')).toBe(refsBefore);
    expect(await storeFiles(server.runsDir)).toEqual(runsBefore);
    expect(await treeSnapshot(repo)).toEqual(repoBefore);
  });

  it('says a running attempt’s change is recorded when it ends', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    await gitRepo(repo, { 'a.txt': 'a\n' });
    const server = await InProcessServer.start();
    const go = join(dir, 'go');
    const batchId = await server.submit({
      batch_id: 'waiting',
      batch_goal_summary: goal(),
      defaults: { agent: 'command' },
      jobs: [{ job_id: 'j', working_directory: repo, workspace_policy: 'isolated', steps: [{ step_id: 'w', command: sh(`while [ ! -e ${go} ]; do sleep 0.05; done; echo b > b.txt`) }] }],
    });
    await eventually(async () => stepOf(await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' }), 'j', 'w').status === 'running', 'the step to run');
    const error = await server.error('get_changes', { batch_id: batchId, job_id: 'j', step_id: 'w' });
    expect(error.code).toBe('change_not_recorded');
    expect(error.text).toMatch(/^change_not_recorded: run [0-9a-f]{16} is running: its change is recorded when it ends$/);
    await writeFile(go, '');
    await server.settled(batchId);
    expect((await server.ok('get_changes', { batch_id: batchId, job_id: 'j', step_id: 'w' })).files.map((f: any) => f.path)).toEqual(['b.txt']);
  });
});

describe('harness-mcp diff', () => {
  it('prints a step’s patch, a job’s branch patch, and with --stat a line per file and the totals', async () => {
    const { dir, git, base, server, batchId } = await settledBatch();
    const tip = (await git('rev-parse', 'harness/views/fixer')).trim();
    const oneEnd = (await git('rev-parse', 'harness/views/fixer^')).trim();
    const runs = ['--runs-dir', server.runsDir];
    const step = await cli(dir, ['diff', batchId, 'fixer', 'one', ...runs]);
    expect(step).toMatchObject({ code: 0, stdout: await git('diff', '--no-color', base, oneEnd) });
    const job = await cli(dir, ['diff', batchId, 'fixer', ...runs]);
    expect(job).toMatchObject({ code: 0, stdout: await git('diff', '--no-color', base, tip) });
    const stat = await cli(dir, ['diff', batchId, 'fixer', '--stat', ...runs]);
    expect(stat.code).toBe(0);
    expect(stat.stdout).toBe(
      ` modified +2 -1  a.txt\n modified +1 -0  b.txt\n 2 files changed, 3 insertions(+), 1 deletion(-) (branch harness/views/fixer, ${base.slice(0, 12)}..${tip.slice(0, 12)})\n`,
    );
    const json = JSON.parse((await cli(dir, ['diff', batchId, 'fixer', 'one', '--json', ...runs])).stdout);
    expect(json).toMatchObject({ scope: 'attempt', step_id: 'one', totals: { files: 2, lines_added: 4, lines_removed: 1 } });
    expect(json).not.toHaveProperty('patch');
  });

  it('refuses an unknown job or step, and a job without a branch, with exit 2 and nothing changed', async () => {
    const { dir, repo, git, server, batchId } = await settledBatch();
    const runs = ['--runs-dir', server.runsDir];
    const refsBefore = await git('for-each-ref');
    const runsBefore = await storeFiles(server.runsDir);
    const repoBefore = await treeSnapshot(repo);
    for (const [args, message] of [
      [['diff', batchId, 'ghost'], /No job `ghost`; the jobs of batch views are fixer, plain, copy/],
      [['diff', batchId, 'fixer', 'three'], /No step `three`; the steps of job fixer are one, two/],
      [['diff', 'nope', 'fixer'], /No batch `nope`; `harness-mcp status` lists/],
      [['diff', batchId, 'plain'], /job plain has no branch of its own \(its workspace is shared: .*\); name one of its steps: harness-mcp diff BATCH plain STEP/],
    ] as const) {
      const result = await cli(dir, [...args, ...runs]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
    }
    expect(await git('for-each-ref')).toBe(refsBefore);
    expect(await storeFiles(server.runsDir)).toEqual(runsBefore);
    expect(await treeSnapshot(repo)).toEqual(repoBefore);
  });
});
