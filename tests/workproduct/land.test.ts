import { chmod, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { landBranch, type LandRequest, type LandStrategy } from '../../src/workproduct/index.js';
import { commitOn, createRepo, rejectionOf, removeRepo, sh, snapshot, TEST_GIT_ENV, writeFiles } from './git-repo.js';

const JOB = 'harness/b1/fixer';
const HARNESS = { name: 'harness-mcp', email: 'harness@localhost' };
const TEN_LINES = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

/** TEN_LINES with line `n` (1-based) replaced. */
function withLine(text: string, n: number, line: string): string {
  const lines = text.split('\n');
  lines[n - 1] = line;
  return lines.join('\n');
}

const repos: string[] = [];
const saved = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };

// The module's own git calls must not read this machine's config either.
beforeAll(() => {
  process.env.GIT_CONFIG_GLOBAL = TEST_GIT_ENV.GIT_CONFIG_GLOBAL;
  process.env.GIT_CONFIG_NOSYSTEM = TEST_GIT_ENV.GIT_CONFIG_NOSYSTEM;
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
afterEach(async () => {
  await Promise.all(repos.splice(0).map(removeRepo));
});

/**
 * A repository whose main work tree has `checkedOut` checked out (`main`, or a branch of the
 * user's own so that `main` is checked out nowhere), with the job's branch made from `main`.
 */
async function repo(checkedOut: 'main' | 'elsewhere' = 'elsewhere'): Promise<string> {
  const dir = await createRepo({ 'a.txt': TEN_LINES, 'keep.txt': 'kept\n', '.gitignore': '*.log\n' });
  repos.push(dir);
  sh(dir, 'branch', JOB);
  if (checkedOut === 'elsewhere') sh(dir, 'switch', '-q', '-c', 'user-work');
  return dir;
}

function request(dir: string, over: Partial<LandRequest> = {}): LandRequest {
  return { repo: dir, branch: JOB, onto: 'main', strategy: 'merge', dryRun: false, create: false, identity: HARNESS, ...over };
}

const tip = (dir: string, ref: string): string => sh(dir, 'rev-parse', ref);
const show = (dir: string, rev: string, path: string): string => sh(dir, 'show', `${rev}:${path}`);
const format = (dir: string, rev: string, fmt: string): string => sh(dir, 'log', '-1', `--format=${fmt}`, rev);

describe('landBranch: results', () => {
  it('fast-forwards the target when it is an ancestor of the job branch', async () => {
    const dir = await repo();
    const old = tip(dir, 'main');
    const job = await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix line 2');
    const outcome = await landBranch(request(dir));
    expect(outcome).toEqual({ onto: 'main', strategy: 'merge', dry_run: false, result: 'fast_forward', old_commit: old, commit: job, checkout_updated: null, branch_commit: job });
    expect(tip(dir, 'main')).toBe(job);
  });

  it('makes a merge commit with both tips as parents when the target moved, without touching the user’s checkout', async () => {
    const dir = await repo();
    await writeFiles(dir, { 'wip.txt': 'user work in progress\n' });
    const before = await snapshot(dir);
    const job = await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix line 2');
    const moved = await commitOn(dir, 'main', { 'b.txt': 'new on main\n' }, 'main moves');
    const outcome = await landBranch(request(dir));
    expect(outcome).toMatchObject({ result: 'merge', old_commit: moved, checkout_updated: null });
    expect(tip(dir, 'main')).toBe(outcome.commit);
    expect(format(dir, 'main', '%P')).toBe(`${moved} ${job}`);
    expect(format(dir, 'main', '%s|%an <%ae>|%cn <%ce>')).toBe(`Merge branch '${JOB}' into main|harness-mcp <harness@localhost>|harness-mcp <harness@localhost>`);
    expect(show(dir, 'main', 'a.txt')).toContain('fixed');
    expect(show(dir, 'main', 'b.txt')).toBe('new on main');
    expect({ ...(await snapshot(dir)), refs: undefined }).toEqual({ ...before, refs: undefined });
  });

  it('squashes the branch into one commit on the target, with the given message', async () => {
    const dir = await repo();
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix line 2');
    const job = await commitOn(dir, JOB, { 'c.txt': 'added\n' }, 'add c');
    const moved = await commitOn(dir, 'main', { 'b.txt': 'new on main\n' }, 'main moves');
    const outcome = await landBranch(request(dir, { strategy: 'squash', message: 'Fix the planted bug' }));
    expect(outcome).toMatchObject({ result: 'squash', old_commit: moved, commit: tip(dir, 'main') });
    expect(format(dir, 'main', '%P|%B|%an')).toBe(`${moved}|Fix the planted bug\n|harness-mcp`);
    expect(sh(dir, 'diff', '--name-only', moved, 'main')).toBe('a.txt\nc.txt');
    expect(sh(dir, 'branch', '--contains', job, '--format=%(refname:short)')).toBe(JOB);
  });

  it('squashes with a default message naming the branch and its commits, even when a fast-forward was possible', async () => {
    const dir = await repo();
    const old = tip(dir, 'main');
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix line 2');
    await commitOn(dir, JOB, { 'c.txt': 'added\n' }, 'add c');
    const outcome = await landBranch(request(dir, { strategy: 'squash' }));
    expect(outcome.result).toBe('squash');
    expect(format(dir, 'main', '%P')).toBe(old);
    expect(format(dir, 'main', '%B')).toBe(`Squash branch '${JOB}' into main\n\n* fix line 2\n* add c`);
  });

  it('rebases each commit onto the moved target as a 3-way merge from its own parent, keeping author, date and message', async () => {
    const dir = await repo();
    // The second commit takes back part of the first: only a replay whose merge base is the
    // commit's own parent (not the branch's base) drops the line again.
    const first = await commitOn(dir, JOB, { 'a.txt': withLine(withLine(TEN_LINES, 2, 'fixed'), 3, 'temporary'), 'c.txt': 'c\n' }, 'fix line 2\n\nwith a body line\n');
    const second = await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'drop the temporary line');
    const moved = await commitOn(dir, 'main', { 'a.txt': withLine(TEN_LINES, 8, 'main edit') }, 'main moves');
    const outcome = await landBranch(request(dir, { strategy: 'rebase' }));
    expect(outcome).toMatchObject({ result: 'rebase', old_commit: moved, commit: tip(dir, 'main') });
    expect(sh(dir, 'rev-list', '--reverse', `${moved}..main`).split('\n')).toHaveLength(2);
    const [r1, r2] = sh(dir, 'rev-list', '--reverse', `${moved}..main`).split('\n') as [string, string];
    expect(format(dir, r1, '%P')).toBe(moved);
    expect(format(dir, r2, '%P')).toBe(r1);
    for (const [replayed, original] of [
      [r1, first],
      [r2, second],
    ] as const) {
      expect(format(dir, replayed, '%an <%ae> %ad|%B')).toBe(format(dir, original, '%an <%ae> %ad|%B'));
      expect(format(dir, replayed, '%cn <%ce>')).toBe('harness-mcp <harness@localhost>');
    }
    expect(show(dir, r1, 'a.txt')).toBe(withLine(withLine(withLine(TEN_LINES, 2, 'fixed'), 3, 'temporary'), 8, 'main edit').trimEnd());
    expect(show(dir, r2, 'a.txt')).toBe(withLine(withLine(TEN_LINES, 2, 'fixed'), 8, 'main edit').trimEnd());
    expect(show(dir, 'main', 'c.txt')).toBe('c');
  });

  it('rebase fast-forwards when the target did not move, and drops a commit whose change the target already has', async () => {
    const dir = await repo();
    const job = await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix');
    expect(await landBranch(request(dir, { strategy: 'rebase', dryRun: true }))).toMatchObject({ result: 'fast_forward', commit: job });
    await commitOn(dir, JOB, { 'c.txt': 'c\n' }, 'add c');
    await commitOn(dir, 'main', { 'a.txt': withLine(TEN_LINES, 2, 'fixed'), 'b.txt': 'b\n' }, 'main has the same fix');
    const outcome = await landBranch(request(dir, { strategy: 'rebase' }));
    expect(outcome.result).toBe('rebase');
    expect(sh(dir, 'log', '--format=%s', `${outcome.old_commit}..main`)).toBe('add c');
  });

  it('answers up_to_date and changes nothing when the target already contains the branch', async () => {
    const dir = await repo();
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix');
    sh(dir, 'branch', '-f', 'main', JOB);
    const moved = await commitOn(dir, 'main', { 'b.txt': 'b\n' }, 'main moves on');
    const before = await snapshot(dir);
    for (const strategy of ['merge', 'squash', 'rebase'] as const) {
      expect(await landBranch(request(dir, { strategy }))).toMatchObject({ result: 'up_to_date', old_commit: moved, commit: moved, checkout_updated: null });
    }
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('landBranch: dry runs', () => {
  it('answers what each kind of landing would do, and changes no ref, HEAD, index or file', async () => {
    const dir = await repo('main');
    const job = await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix');
    const cases: [LandStrategy, string][] = [['merge', 'fast_forward'], ['squash', 'squash'], ['rebase', 'fast_forward']];
    let before = await snapshot(dir);
    for (const [strategy, result] of cases) {
      const outcome = await landBranch(request(dir, { strategy, dryRun: true }));
      expect(outcome).toMatchObject({ dry_run: true, result, checkout_updated: dir });
    }
    expect(await snapshot(dir)).toEqual(before);
    await commitOn(dir, 'main', { 'b.txt': 'b\n' }, 'main moves');
    sh(dir, 'reset', '-q', '--hard');
    before = await snapshot(dir);
    for (const [strategy, result] of [['merge', 'merge'], ['squash', 'squash'], ['rebase', 'rebase']] as const) {
      const outcome = await landBranch(request(dir, { strategy, dryRun: true }));
      expect(outcome).toMatchObject({ dry_run: true, result, old_commit: tip(dir, 'main') });
      // The commit it would make exists as an object, and nothing points at it.
      expect(sh(dir, 'cat-file', '-t', outcome.commit)).toBe('commit');
      expect(sh(dir, 'for-each-ref', `--points-at=${outcome.commit}`)).toBe('');
    }
    sh(dir, 'branch', '-f', JOB, 'main');
    expect(await landBranch(request(dir, { dryRun: true }))).toMatchObject({ result: 'up_to_date', checkout_updated: null });
    expect({ ...(await snapshot(dir)), refs: undefined }).toEqual({ ...before, refs: undefined });
    expect(tip(dir, 'main')).not.toBe(job);
  });
});

describe('landBranch: the checkout of the target', () => {
  it('moves a clean checkout of the target along, index and files, so it stays consistent', async () => {
    const dir = await repo('main');
    await writeFiles(dir, { 'notes.log': 'ignored, kept\n', 'scratch.txt': 'untracked, elsewhere, kept\n' });
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed'), 'new/c.txt': 'c\n', 'keep.txt': null }, 'fix');
    const outcome = await landBranch(request(dir));
    expect(outcome).toMatchObject({ result: 'fast_forward', checkout_updated: dir });
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(outcome.commit);
    expect(sh(dir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(sh(dir, 'status', '--porcelain')).toBe('?? scratch.txt');
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toContain('fixed');
    expect(await readFile(join(dir, 'new/c.txt'), 'utf8')).toBe('c\n');
    await expect(readFile(join(dir, 'keep.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(dir, 'notes.log'), 'utf8')).toBe('ignored, kept\n');
  });

  it('moves a clean checkout in a linked work tree to a merge commit', async () => {
    const dir = await repo();
    const wt = join(dir, '..', `${dir.split('/').pop()}-release`);
    repos.push(wt);
    sh(dir, 'worktree', 'add', '-q', wt, 'main');
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix');
    await commitOn(dir, 'main', { 'b.txt': 'b\n' }, 'main moves');
    sh(wt, 'reset', '-q', '--hard');
    const outcome = await landBranch(request(dir));
    expect(outcome).toMatchObject({ result: 'merge', checkout_updated: wt });
    expect(sh(wt, 'rev-parse', 'HEAD')).toBe(outcome.commit);
    expect(sh(wt, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(await readFile(join(wt, 'a.txt'), 'utf8')).toContain('fixed');
  });

  const dirt: [string, Record<string, string>, (dir: string) => void, string][] = [
    ['a changed tracked file', { 'keep.txt': 'edited by the user\n' }, () => {}, 'has uncommitted changes (staged or not): keep.txt'],
    ['a staged change', { 'keep.txt': 'staged by the user\n' }, (dir) => sh(dir, 'add', 'keep.txt'), 'has uncommitted changes (staged or not): keep.txt'],
    ['an untracked file where the landing adds one', { 'c.txt': 'the user’s own\n' }, () => {}, 'has untracked or ignored files where the landing brings files: c.txt'],
    ['an ignored file where the landing adds one', { 'run.log': 'the user’s log\n' }, () => {}, 'has untracked or ignored files where the landing brings files: run.log'],
  ];
  for (const [what, files, stage, why] of dirt) {
    it(`refuses a checkout of the target with ${what}, and changes nothing (a dry run too)`, async () => {
      const dir = await repo('main');
      await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed'), 'c.txt': 'c\n', 'run.log': 'forced\n' }, 'fix');
      sh(dir, 'reset', '-q', '--hard');
      await writeFiles(dir, files);
      stage(dir);
      const before = await snapshot(dir);
      for (const dryRun of [true, false]) {
        const error = await rejectionOf(() => landBranch(request(dir, { dryRun })));
        expect(error).toMatchObject({ code: 'land_checkout_dirty', worktree: dir });
        expect(error.message).toBe(`\`main\` is checked out in ${dir}, which ${why}; nothing changed. Commit or remove those changes there, or check out another branch in it, and land again`);
      }
      expect(await snapshot(dir)).toEqual(before);
    });
  }

  it('puts the ref back when the checkout changes between the checks and the move, and the user’s edit survives', async () => {
    const dir = await repo('main');
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix');
    const old = tip(dir, 'main');
    const error = await rejectionOf(() => landBranch(request(dir), { beforeUpdate: () => writeFiles(dir, { 'a.txt': 'typed by the user meanwhile\n' }) }));
    expect(error).toMatchObject({ code: 'land_checkout_dirty' });
    expect(error.message).toContain('changed while landing');
    expect(tip(dir, 'main')).toBe(old);
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('typed by the user meanwhile\n');
    expect(sh(dir, 'status', '--porcelain')).toBe('M a.txt');
  });

  it('refuses a target checked out in two work trees', async () => {
    const dir = await repo('main');
    const wt = join(dir, '..', `${dir.split('/').pop()}-second`);
    repos.push(wt);
    sh(dir, 'worktree', 'add', '-q', '--force', wt, 'main');
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix');
    const before = await snapshot(dir);
    const error = await rejectionOf(() => landBranch(request(dir)));
    expect(error).toMatchObject({ code: 'land_checkout_ambiguous', worktrees: [dir, wt] });
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('landBranch: refusals change nothing', () => {
  it('refuses conflicting changes with the paths, for every strategy and in a dry run', async () => {
    const dir = await repo('main');
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'job'), 'keep.txt': 'job\n', 'c.txt': 'no conflict\n' }, 'job edits');
    await commitOn(dir, 'main', { 'a.txt': withLine(TEN_LINES, 2, 'main'), 'keep.txt': 'main\n' }, 'main edits');
    sh(dir, 'reset', '-q', '--hard');
    const before = await snapshot(dir);
    for (const strategy of ['merge', 'squash', 'rebase'] as const) {
      for (const dryRun of [true, false]) {
        const error = await rejectionOf(() => landBranch(request(dir, { strategy, dryRun })));
        expect(error).toMatchObject({ code: 'land_conflict', onto: 'main', paths: ['a.txt', 'keep.txt'] });
        expect(error.message).toMatch(/^landing onto `main` conflicts (while replaying [0-9a-f]{12} )?in 2 paths: a\.txt, keep\.txt; nothing changed/);
        expect(error.message).toContain('CONFLICT (content): Merge conflict in a.txt');
      }
    }
    expect(await snapshot(dir)).toEqual(before);
  });

  it('refuses a target that does not exist, offering create; with create it starts at the job’s base', async () => {
    const dir = await repo();
    const base = tip(dir, 'main');
    const job = await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix');
    await commitOn(dir, 'main', { 'b.txt': 'b\n' }, 'main moves');
    const before = await snapshot(dir);
    const error = await rejectionOf(() => landBranch(request(dir, { onto: 'release' })));
    expect(error).toMatchObject({ code: 'land_onto_missing', onto: 'release' });
    expect(error.message).toBe(`the branch \`release\` does not exist in ${dir}; nothing changed. To make it (at the job's base commit) and land there, pass \`create: true\``);
    expect(error.cliMessage).toContain('add `--create`');
    expect(await landBranch(request(dir, { onto: 'release', create: true, dryRun: true }))).toMatchObject({ result: 'fast_forward', old_commit: null, commit: job });
    expect(await snapshot(dir)).toEqual(before);
    const squash = await landBranch(request(dir, { onto: 'release', create: true, strategy: 'squash', base }));
    expect(squash).toMatchObject({ result: 'squash', old_commit: null, commit: tip(dir, 'release') });
    expect(format(dir, 'release', '%P')).toBe(base);
    expect(await landBranch(request(dir, { onto: 'release-2', create: true }))).toMatchObject({ result: 'fast_forward', old_commit: null });
    expect(tip(dir, 'release-2')).toBe(job);
  });

  it('refuses the job’s own branch, names git would not take, a missing job branch, and unrelated history', async () => {
    const dir = await repo();
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix');
    sh(dir, 'switch', '-q', '--orphan', 'elsewhere');
    await writeFiles(dir, { 'z.txt': 'z\n' });
    sh(dir, 'add', 'z.txt');
    sh(dir, 'commit', '-q', '-m', 'unrelated');
    const before = await snapshot(dir);
    const own = await rejectionOf(() => landBranch(request(dir, { onto: JOB })));
    expect(own).toMatchObject({ code: 'land_branch_invalid', branch: JOB });
    expect(own.message).toBe(`cannot land onto \`${JOB}\`: it is the job's own branch; name the branch to land it onto, such as \`main\`; nothing changed`);
    for (const onto of ['-f', 'a..b', 'refs/heads/main', '']) {
      expect(await rejectionOf(() => landBranch(request(dir, { onto })))).toMatchObject({ code: 'land_branch_invalid', branch: onto });
    }
    const missing = await rejectionOf(() => landBranch(request(dir, { branch: 'harness/b1/nobody' })));
    expect(missing).toMatchObject({ code: 'land_branch_missing' });
    expect(missing.message).toBe(`the job's branch \`harness/b1/nobody\` does not exist in ${dir}; nothing changed`);
    const unrelated = await rejectionOf(() => landBranch(request(dir, { onto: 'elsewhere' })));
    expect(unrelated).toMatchObject({ code: 'land_unrelated' });
    expect(await snapshot(dir)).toEqual(before);
  });

  it('refuses a repository that vanished or a directory outside any repository', async () => {
    const plain = await mkdtemp(join(tmpdir(), 'land-test-plain-'));
    repos.push(plain);
    const gone = join(plain, 'moved-away');
    expect(await rejectionOf(() => landBranch(request(gone)))).toMatchObject({
      code: 'repo_missing',
      message: `the source repository ${gone} does not exist (moved or deleted?); nothing changed`,
    });
    const outside = await rejectionOf(() => landBranch(request(plain)));
    expect(outside.code).toBe('repo_missing');
    expect(outside.message).toMatch(new RegExp(`^the source repository ${plain} is not in a git repository`));
    expect(await readdir(plain)).toEqual([]);
  });

  it('refuses when the target moved between planning and moving it (a real race), keeping the other move', async () => {
    const dir = await repo();
    await commitOn(dir, JOB, { 'a.txt': withLine(TEN_LINES, 2, 'fixed') }, 'fix');
    const other = await commitOn(dir, 'other', { 'b.txt': 'landed by someone else\n' }, 'someone else');
    const old = tip(dir, 'main');
    const error = await rejectionOf(() => landBranch(request(dir), { beforeUpdate: async () => void sh(dir, 'update-ref', 'refs/heads/main', other) }));
    expect(error).toMatchObject({ code: 'land_ref_moved', expected: old, found: other });
    expect(error.message).toBe(`\`main\` moved while landing (expected ${old}, found ${other}); nothing changed. Land again onto its new tip`);
    expect(tip(dir, 'main')).toBe(other);
    // Creating a branch is a compare-and-swap too: from "no such branch".
    const created = await rejectionOf(() =>
      landBranch(request(dir, { onto: 'release', create: true }), { beforeUpdate: async () => void sh(dir, 'branch', 'release', other) }),
    );
    expect(created).toMatchObject({ code: 'land_ref_moved', expected: null, found: other });
    expect(tip(dir, 'release')).toBe(other);
  });

  it('refuses a git older than 2.38, naming both versions', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'land-test-bin-'));
    repos.push(bin);
    await writeFile(join(bin, 'git'), '#!/bin/sh\necho "git version 2.37.1"\n');
    await chmod(join(bin, 'git'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      // A fresh module, since the version is asked once per process.
      vi.resetModules();
      const fresh = await import('../../src/workproduct/index.js');
      const error = await rejectionOf(() => fresh.landBranch(request(bin)));
      expect(error).toMatchObject({ code: 'git_too_old', found: '2.37.1', needed: '2.38.0' });
      expect(error.message).toBe('landing needs git 2.38.0 or newer (for `git merge-tree --write-tree`); this machine has git 2.37.1. Nothing changed');
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('landBranch: two lands onto one branch', () => {
  it('serializes them: both land, the second onto the first’s result', async () => {
    const dir = await repo('main');
    const first = await commitOn(dir, 'harness/b1/one', { 'one.txt': '1\n' }, 'one');
    const second = await commitOn(dir, 'harness/b1/two', { 'two.txt': '2\n' }, 'two');
    const outcomes = await Promise.all([
      landBranch(request(dir, { branch: 'harness/b1/one' })),
      landBranch(request(dir, { branch: 'harness/b1/two' })),
    ]);
    const [earlier, later] = outcomes[1].old_commit === outcomes[0].commit ? outcomes : [outcomes[1], outcomes[0]];
    expect(earlier.result).toBe('fast_forward');
    expect(later).toMatchObject({ result: 'merge', old_commit: earlier.commit, commit: tip(dir, 'main') });
    for (const job of [first, second]) expect(sh(dir, 'branch', '--contains', job, '--format=%(refname:short)').split('\n')).toContain('main');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    expect(await readFile(join(dir, 'one.txt'), 'utf8')).toBe('1\n');
    expect(await readFile(join(dir, 'two.txt'), 'utf8')).toBe('2\n');
  });
});

describe('landBranch: what the repository’s config may run', () => {
  it('runs no merge driver or content filter the repository configures, whether it lands or only looks', async () => {
    const dir = await repo('main');
    const ran = join(dir, '..', `ran-${Date.now()}`);
    await commitOn(dir, JOB, { 'a.txt': 'job side\n' }, 'job edits a');
    await commitOn(dir, 'main', { 'a.txt': 'main side\n' }, 'main edits a');
    // What an agent could write into the config its worktree shares with the user's repository
    // (after the test's own commits, which would run it too).
    const arm = async (repoDir: string) => {
      sh(repoDir, 'config', 'merge.evil.driver', `touch ${ran}-merge; false`);
      sh(repoDir, 'config', 'filter.evil.smudge', `sh -c 'touch ${ran}-smudge; cat'`);
      sh(repoDir, 'config', 'filter.evil.clean', `sh -c 'touch ${ran}-clean; cat'`);
      await writeFile(join(repoDir, '.git', 'info', 'attributes'), '* merge=evil filter=evil\n');
    };
    await arm(dir);
    await expect(landBranch(request(dir, { dryRun: true }))).rejects.toMatchObject({ code: 'land_conflict', paths: ['a.txt'] }); // false: a conflict
    const clean = await createRepo({ 'b.txt': 'b\n' });
    repos.push(clean);
    sh(clean, 'branch', JOB);
    await commitOn(clean, JOB, { 'c.txt': 'c\n' }, 'job adds c');
    sh(clean, 'switch', '-q', 'main');
    await arm(clean);
    expect(await landBranch(request(clean))).toMatchObject({ result: 'fast_forward' }); // the clean checkout of main moves along
    expect(await readFile(join(clean, 'c.txt'), 'utf8')).toBe('c\n');
    for (const what of ['merge', 'smudge', 'clean']) await expect(readFile(`${ran}-${what}`)).rejects.toThrow();
  });
});

describe('landBranch: a target in the middle of something', () => {
  it('refuses a target being rebased in a work tree (its HEAD is detached meanwhile), changing nothing', async () => {
    const dir = await repo('main');
    await commitOn(dir, JOB, { 'c.txt': 'c\n' }, 'job adds c');
    await commitOn(dir, 'main', { 'm.txt': 'm\n' }, 'main adds m');
    sh(dir, 'reset', '-q', '--hard', 'main'); // commitOn commits without the work tree
    expect(() => sh(dir, 'rebase', '-q', '-x', 'false', 'HEAD~1')).toThrow(); // stops at the failing exec
    expect(sh(dir, 'worktree', 'list', '--porcelain')).toContain('detached');
    const before = tip(dir, 'main');
    await expect(landBranch(request(dir))).rejects.toMatchObject({ code: 'land_checkout_busy', message: expect.stringMatching(/`main` is in the middle of a rebase in /) });
    expect(tip(dir, 'main')).toBe(before);
    sh(dir, 'rebase', '--abort');
    expect(sh(dir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
  });
});

describe('landBranch: a checkout only touched', () => {
  it('moves a clean checkout whose file was only touched since the index was written (stat data stale, content the same)', async () => {
    const dir = await repo('main');
    await commitOn(dir, JOB, { 'a.txt': 'job side\n' }, 'job edits a');
    const later = new Date(Date.now() + 5000);
    await utimes(join(dir, 'a.txt'), later, later); // an editor saving it again, or a build tool
    expect(await landBranch(request(dir))).toMatchObject({ result: 'fast_forward', checkout_updated: dir });
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('job side\n');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
  });
});
