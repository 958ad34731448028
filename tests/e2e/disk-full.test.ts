import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HarnessServer, oneJob, tempDir, whenDone } from './servers/harness-server.js';

const exec = promisify(execFile);

/** A runs root on a tmpfs of `mib` MiB, unmounted when the test ends; undefined where mounting is not allowed. */
async function tinyFilesystem(mib: number): Promise<string | undefined> {
  const dir = join(await tempDir(), 'tiny');
  await mkdir(dir);
  try {
    await exec('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir]);
  } catch {
    return undefined;
  }
  whenDone(() => exec('umount', ['-l', dir]).catch(() => undefined));
  return dir;
}

describe('a full disk', () => {
  it('ends the attempt that filled it as failed with the reason, keeps serving, and corrupts nothing already written', async () => {
    const runsDir = await tinyFilesystem(4);
    expect(runsDir, 'this test needs to mount a small tmpfs (root, as on these machines)').toBeDefined();
    const work = await tempDir();
    // The low-disk guard would hold everything back on 4 MiB; this test wants the disk to fill.
    const server = await HarnessServer.start({ runsDir: runsDir!, config: { runners: { min_free_disk_bytes: 0 } } });
    const before = await server.submit({ ...oneJob(work, [{ step_id: 'small', command: ['echo', 'fits'] }]), batch_id: 'before' });
    await server.settled(before);
    const full = await server.submit({ ...oneJob(work, [{ step_id: 'flood', command: ['sh', '-c', 'head -c 16000000 /dev/zero; echo done'] }]), batch_id: 'full' });
    const board = await server.settled(full, 60);
    const flood = board.steps[0];
    expect(flood.status).toBe('failed');
    // The disk is full to the byte, so the ending may not reach state.json; the server holds it
    // (and a restart would end the attempt runner_lost), says why, and does not retry into a full disk.
    expect(board.failures.items[0].host_outcome).toMatchObject({ status: 'failed', failure_reason: 'storage_error', message: expect.stringMatching(/ENOSPC: no space left on device/) });
    expect(flood.attempts).toBe(1);
    expect(server.stderr).toMatch(/could not (run the attempt|record the failure).*ENOSPC/);

    // Still serving, and what was written before is intact.
    expect((await server.ok('list_batches')).batches.map((b: any) => b.batch_id).sort()).toEqual(['before', 'full']);
    for (const entry of await readdir(join(runsDir!, 'before'), { recursive: true })) {
      if (entry.endsWith('.json')) JSON.parse(await readFile(join(runsDir!, 'before', entry), 'utf8'));
    }
    expect((await server.ok('get_scoreboard', { batch_id: before })).counts.succeeded).toBe(1);
  });

  it('refuses a submission it cannot write with storage_error and the reason, and keeps no part of it', async () => {
    const runsDir = await tinyFilesystem(1);
    expect(runsDir, 'this test needs to mount a small tmpfs (root, as on these machines)').toBeDefined();
    const work = await tempDir();
    const server = await HarnessServer.start({ runsDir: runsDir!, config: { runners: { min_free_disk_bytes: 0 } } });
    // Fill the disk to the last byte.
    await exec('sh', ['-c', `head -c 2000000 /dev/zero > '${join(runsDir!, 'filler')}' || true`]);
    const before = (await readdir(runsDir!)).sort();
    const refused = await server.error('submit_batch', { ...oneJob(work, [{ step_id: 'a', command: ['true'] }]), batch_id: 'nospace' });
    expect(refused.code).toBe('storage_error');
    expect(refused.text).toMatch(/could not write batch nospace: ENOSPC: no space left on device.*; nothing was written/);
    expect((await readdir(runsDir!)).sort()).toEqual(before);
    expect((await server.ok('list_batches')).batches).toEqual([]);
  });
});
