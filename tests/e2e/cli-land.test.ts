import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goal, runCli, tempDir } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';
import { gitRepo } from './servers/git-repo.js';

const cli = (cwd: string, ...args: string[]) => runCli(cwd, args);

const exists = (path: string) => access(path).then(
  () => true,
  () => false,
);

describe('harness-mcp land', () => {
  it('lands a job with no server running, and through the running server', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'a.txt': 'one\n' });
    const base = (await git('rev-parse', 'HEAD')).trim();
    const runsDir = join(dir, 'runs');
    const first = await InProcessServer.start({ runsDir });
    const job = (id: string, file: string) => ({ job_id: id, working_directory: repo, workspace_policy: 'isolated', steps: [{ step_id: 'edit', command: ['sh', '-c', `echo ${id} > ${file}`] }] });
    await first.submit({ batch_id: 'cli', batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs: [job('a', 'a.txt'), job('b', 'b.txt')] });
    await first.settled('cli');
    await first.stop();
    const tipOf = async (ref: string) => (await git('rev-parse', ref)).trim();
    const store = ['--runs-dir', runsDir];

    const missing = await cli(dir, 'land', 'cli', 'a', '--onto', 'release', ...store);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('add `--create`');
    const bogus = await cli(dir, 'land', 'cli', 'a', '--onto', 'main', '--strategy', 'octopus', ...store);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('octopus');
    const dry = await cli(dir, 'land', 'cli', 'a', '--onto', 'main', '--dry-run', ...store);
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain(`harness/cli/a would land on main (fast-forward)`);
    expect(dry.stdout).toContain('dry run: nothing changed');
    expect(await tipOf('main')).toBe(base);
    expect(await exists(join(runsDir, 'cli', 'a', 'landed.json'))).toBe(false);

    const landed = await cli(dir, 'land', 'cli', 'a', '--onto', 'main', ...store);
    expect(landed).toMatchObject({ code: 0 });
    expect(landed.stdout).toContain('harness/cli/a landed on main (fast-forward)');
    expect(await tipOf('main')).toBe(await tipOf('harness/cli/a'));
    expect(JSON.parse(await readFile(join(runsDir, 'cli', 'a', 'landed.json'), 'utf8')).landings).toHaveLength(1);

    // With a server running the root, the command asks it (its control inbox) and prints its answer.
    const server = await InProcessServer.start({ runsDir });
    try {
      await writeFile(join(repo, 'b.txt'), 'user\n');
      await git('add', 'b.txt');
      await git('commit', '-qm', 'user b');
      const conflict = await cli(dir, 'land', 'cli', 'b', '--onto', 'main', ...store);
      expect(conflict.code).toBe(2);
      expect(conflict.stderr).toContain('conflicts');
      expect(conflict.stderr).toContain('b.txt');
      await git('reset', '-q', '--hard', 'HEAD^');

      const merged = await cli(dir, 'land', 'cli', 'b', '--onto', 'main', '--json', ...store);
      expect(merged).toMatchObject({ code: 0 });
      expect(JSON.parse(merged.stdout)).toMatchObject({ job_id: 'b', result: 'merge', old_commit: await tipOf('harness/cli/a') });
      expect((await server.ok('get_scoreboard', { batch_id: 'cli', detail: 'full' })).landed.items.map((l: any) => l.job_id)).toEqual(['a', 'b']);
    } finally {
      await server.stop();
    }
    const status = await cli(dir, 'status', 'cli', ...store);
    expect(status.stdout).toContain(`landed: a onto main (fast-forward) at ${(await tipOf('harness/cli/a')).slice(0, 12)}`);
    expect(status.stdout).toContain('landed: b onto main (merge)');
    const notVariants = await cli(dir, 'compare', 'cli', 'a', ...store);
    expect(notVariants.code).toBe(2);
    expect(notVariants.stderr).toContain('not submitted with `variants`');
  });
});
