import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, goal, HarnessServer, isProcessAlive, stepOf, tempDir } from './servers/harness-server.js';

// The case is 20,000 files; 5,000 take seconds enough to copy that the kill lands mid-copy.
const FILES = Number(process.env.WORKSPACE_CRASH_FILES ?? 5_000);

/** A working directory of FILES small files in 100 folders: big enough that copying it takes a while. */
async function bigDirectory(dir: string): Promise<void> {
  for (let d = 0; d < 100; d++) {
    await mkdir(join(dir, `d${d}`));
    await Promise.all(Array.from({ length: FILES / 100 }, (_, f) => writeFile(join(dir, `d${d}`, `f${f}`), `${d}/${f}\n`)));
  }
}

/** Every file below `dir` (not .git), counted. */
async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name !== '.git' && !e.parentPath.includes('/.git')).length;
}

/** The pids of every process below `pid`, from /proc. */
async function descendantsOf(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
    if (stat) parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0; ) {
    frontier = [...parents].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...frontier);
  }
  return found;
}

/** One isolated job whose step exits 0 only when it sees every file of the working directory. */
function countingTable(workingDir: string, seenFile: string): Record<string, unknown> {
  return {
    batch_goal_summary: goal(),
    defaults: { agent: 'command', retries: { max_attempts: 2, backoff_seconds: 0 } },
    jobs: [
      {
        job_id: 'j',
        working_directory: workingDir,
        workspace_policy: 'isolated',
        steps: [{ step_id: 'count', command: ['sh', '-c', `n=$(find . -path ./.git -prune -o -type f -print | wc -l); echo $n >> ${seenFile}; [ "$n" -eq ${FILES} ]`] }],
      },
    ],
  };
}

/**
 * Starts a server on the table, kills it (and with `withChildren` its git too, as a container
 * stop or the OOM killer of a cgroup would) once the workspace is partly made, restarts it and
 * returns the settled step with the file counts its attempts saw.
 */
async function crashWhileMakingWorkspace(workingDir: string, withChildren: boolean): Promise<{ step: any; seen: number[]; leftBehind: number }> {
  const dir = await tempDir();
  const seenFile = join(dir, 'seen');
  const first = await HarnessServer.start();
  const batchId = await first.submit(countingTable(workingDir, seenFile));
  const workspace = join(first.runsDir, batchId, 'j', 'workspace');
  await eventually(async () => (await countFiles(workspace)) > 100 || undefined, 'the workspace to be partly made', 60_000);
  const victims = withChildren ? await descendantsOf(first.pid) : [];
  process.kill(first.pid, 'SIGKILL');
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  await eventually(async () => !(await isProcessAlive(first.pid)) || undefined, 'the server to die');
  const leftBehind = await countFiles(workspace);

  const second = await HarnessServer.start({ runsDir: first.runsDir });
  const step = stepOf(await second.settled(batchId), 'j', 'count');
  const seen = (await readFile(seenFile, 'utf8')).trim().split('\n').map(Number);
  return { step, seen, leftBehind };
}

describe('an isolated workspace cut short by a crash', () => {
  it(`is made again, not used half-copied, when the server is SIGKILLed while copying ${FILES} files`, async () => {
    const workingDir = await tempDir();
    await bigDirectory(workingDir);
    const { step, seen, leftBehind } = await crashWhileMakingWorkspace(workingDir, false);
    expect(leftBehind).toBeLessThan(FILES); // the kill did land mid-copy
    expect(seen).toEqual([FILES]); // the retry, the only attempt that ran, saw every file
    expect(step).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('is made again when the server and its git are SIGKILLed during git worktree add', async () => {
    const workingDir = await tempDir();
    await bigDirectory(workingDir);
    const git = (...args: string[]) => execFileSync('git', ['-C', workingDir, ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'files');
    const { step, seen, leftBehind } = await crashWhileMakingWorkspace(workingDir, true);
    expect(leftBehind).toBeLessThan(FILES);
    expect(seen).toEqual([FILES]);
    expect(step).toMatchObject({ status: 'succeeded', attempts: 2 });
    // The half-made worktree is gone from git's list too; the new one is registered in its place.
    const list = execFileSync('git', ['-C', workingDir, 'worktree', 'list', '--porcelain'], { encoding: 'utf8' });
    expect(list.match(/^worktree /gm)).toHaveLength(2);
    expect(list).not.toMatch(/locked/);
  });
});
