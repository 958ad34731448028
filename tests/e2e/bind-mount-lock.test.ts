import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { eventually, HarnessServer, isProcessAlive, oneJob, tempDir, workDirIn } from './servers/harness-server.js';

const exec = promisify(execFile);

/** Bind-mounts `from` at `to` (tests run as root); the reason when this machine refuses. */
async function bindMount(from: string, to: string): Promise<string | undefined> {
  try {
    await exec('mount', ['--bind', from, to]);
    return undefined;
  } catch (error) {
    return (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
  }
}

// Probed once: a container without CAP_SYS_ADMIN may not mount, and then there is nothing to test.
const probeDir = await mkdtemp(join(tmpdir(), 'harness-mount-probe-'));
await mkdir(join(probeDir, 'a'));
await mkdir(join(probeDir, 'b'));
const refused = await bindMount(join(probeDir, 'a'), join(probeDir, 'b'));
if (!refused) await exec('umount', [join(probeDir, 'b')]);
await rm(probeDir, { recursive: true, force: true });

describe.skipIf(refused !== undefined)(`one runs root reached by two paths (a bind mount)${refused ? `: skipped, mount --bind is not permitted here (${refused})` : ''}`, () => {
  it('has one writer: the server on the second path serves it read-only, and takes it over once the first is SIGKILLed', async () => {
    const dir = await tempDir();
    const runs = join(dir, 'runs');
    const alias = join(dir, 'alias');
    await mkdir(runs);
    await mkdir(alias);
    expect(await bindMount(runs, alias)).toBeUndefined();
    try {
      const first = await HarnessServer.start({ runsDir: runs });
      const table = oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }]);
      await first.submit(table); // first has taken the root by now
      const second = await HarnessServer.start({ runsDir: alias });
      const servers = [first, second];
      const accepted = [];
      for (const server of servers) {
        const result = await server.call('submit_batch', table);
        if (!result.isError) accepted.push(server.pid);
        else expect(JSON.stringify(result.content)).toContain('runs_locked');
      }
      console.log(`bind-mount lock: ${accepted.length} writer(s) of 2 servers on one root by two paths`);
      expect(accepted).toEqual([first.pid]);
      // By its other path, the second server still sees who runs the root.
      const runners = (await second.ok('get_scoreboard', { detail: 'full' })).runners;
      expect(runners.map((r: any) => [r.pid, r.mode])).toEqual([
        [second.pid, 'read_only'],
        [first.pid, 'active'],
      ]);

      // The kernel frees the lock of a killed server; the second one takes the root over.
      process.kill(first.pid, 'SIGKILL');
      await eventually(async () => !(await isProcessAlive(first.pid)) || undefined, 'the first server to die');
      const batchId = await eventually(async () => {
        const result = await second.call('submit_batch', table);
        return result.isError ? undefined : (result.structuredContent as { batch_id: string }).batch_id;
      }, 'the second server to take the root over');
      expect((await second.settled(batchId)).counts.succeeded).toBe(1);
      await second.stop();
    } finally {
      // Lazy: a server that a failed assertion left running must not keep the mount behind.
      await exec('umount', ['--lazy', alias]);
    }
  });
});

describe('the runs-root lock', () => {
  it('holds off a server in another network namespace (a container sharing the volume), which cannot see the first one’s socket', async () => {
    const dir = await tempDir();
    const first = await HarnessServer.start();
    const table = oneJob(dir, [{ step_id: 'a', command: ['true'] }]);
    await first.submit(table);
    const second = await HarnessServer.start({ runsDir: first.runsDir, wrapper: ['unshare', '--net'] });
    const refused = await second.error('submit_batch', table);
    expect(refused.code).toBe('runs_locked');
    console.log('network-namespace lock: 1 writer of 2 servers on one root, each in its own network namespace');
    await first.stop();
    const batchId = await eventually(async () => {
      const result = await second.call('submit_batch', table);
      return result.isError ? undefined : (result.structuredContent as { batch_id: string }).batch_id;
    }, 'the second server to take the root over');
    expect((await second.settled(batchId)).counts.succeeded).toBe(1);
  });

  it('is inherited by no agent, so an agent that outlives a killed server cannot keep its root locked', async () => {
    const dir = await tempDir();
    const fds = join(dir, 'fds');
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['sh', '-c', `for fd in /proc/$$/fd/*; do readlink "$fd" || true; done > ${fds}`] }]));
    expect((await server.settled(batchId)).counts.succeeded).toBe(1);
    const open = await readFile(fds, 'utf8');
    expect(open).not.toContain(join(server.runsDir, '_system', 'lock'));
    expect(open.trim().split('\n').length).toBeGreaterThan(0);
  });
});
