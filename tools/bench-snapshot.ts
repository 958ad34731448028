// The cost of the snapshot commit that ends every attempt in a git workspace (docs/spec.md §6.1),
// against what a person runs by hand for the same change: `git add -A && git commit`.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { diffCommits, openSnapshotSpace, takeSnapshot } from '../src/workproduct/index.js';

const FILES = 20_000;
const CHANGED = 10;
const PER_DIR = 100;
const IDENTITY = { name: 'bench', email: 'bench@localhost' };
const GIT_ENV = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@l', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@l' };

function pathOf(i: number): string {
  return join(`d${Math.floor(i / PER_DIR)}`, `f${i % PER_DIR}.txt`);
}

/** A repository of FILES small files on its own branch, committed, its index fresh. */
async function makeRepo(dir: string, branch: string): Promise<(...args: string[]) => Promise<string>> {
  const git = async (...args: string[]) => (await execa('git', args, { cwd: dir, env: GIT_ENV })).stdout;
  await mkdir(dir, { recursive: true });
  await git('init', '-q', '-b', branch);
  for (let d = 0; d < FILES / PER_DIR; d++) await mkdir(join(dir, `d${d}`));
  for (let i = 0; i < FILES; i++) await writeFile(join(dir, pathOf(i)), `file ${i}\n`);
  await git('add', '-A');
  await git('commit', '-qm', 'base');
  await git('status', '--porcelain'); // refreshes the index's stat data, as a checkout leaves it
  return git;
}

/** Rewrites CHANGED files spread over the tree, different each round. */
async function change(dir: string, round: number): Promise<void> {
  for (let k = 0; k < CHANGED; k++) await writeFile(join(dir, pathOf((k * 1999 + round) % FILES)), `round ${round} change ${k}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function snapshotBench(reps: number): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'bench-snapshot-'));
  try {
    const sourceDir = join(base, 'source');
    const harnessDir = join(base, 'workspace');
    const handDir = join(base, 'hand');
    // The harness side is a job's worktree on its branch, as an isolated job has it.
    const source = await makeRepo(sourceDir, 'main');
    await source('worktree', 'add', '-q', '-b', 'harness/bench/job', harnessDir);
    await execa('git', ['status', '--porcelain'], { cwd: harnessDir });
    const hand = await makeRepo(handDir, 'main');
    const space = await openSnapshotSpace({
      root: harnessDir,
      inGitRepo: true,
      worktreeOf: { repository: sourceDir, branch: 'harness/bench/job' },
      privateGitDir: join(base, 'unused.git'),
      neverInclude: [],
      env: {},
    });
    const snapshot: number[] = [];
    const diff: number[] = [];
    const byHand: number[] = [];
    for (let round = 1; round <= reps; round++) {
      // Sides alternate, each on its own repository of the same shape.
      await change(harnessDir, round);
      const parent = (await execa('git', ['rev-parse', 'HEAD'], { cwd: harnessDir })).stdout;
      let head = '';
      snapshot.push(await timed(async () => (head = (await takeSnapshot(space, { indexFile: join(base, 'snapshot.index'), message: `bench ${round}\n`, identity: IDENTITY })).commit)));
      diff.push(await timed(() => diffCommits(space.target, parent, head)));
      await change(handDir, round);
      byHand.push(await timed(() => hand('add', '-A').then(() => hand('commit', '-qm', `bench ${round}`))));
    }
    const row = (name: string, xs: number[]) => `| ${name} | ${median(xs).toFixed(0)} | ${xs.map((x) => x.toFixed(0)).join(', ')} |`;
    return `## Snapshot commit: a workspace of ${FILES.toLocaleString('en')} files with ${CHANGED} changed

| what | p50 ms | each repetition |
|---|---|---|
${row('harness snapshot (private index from the worktree’s, add -A, write-tree, commit-tree, branch moved, index handed back)', snapshot)}
${row('the change record of it (diff-tree --raw, --numstat and -p)', diff)}
${row('by hand: `git add -A && git commit`', byHand)}

Ratio snapshot / by hand: **${(median(snapshot) / median(byHand)).toFixed(2)}×** (goal: snapshot p50 ≤ 300 ms).
`;
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
