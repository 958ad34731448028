import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, HarnessServer, isProcessAlive, oneJob, stepOf, tempDir } from './servers/harness-server.js';

// 256 MiB in CI; FLOOD_MIB=1024 for the full-size run by hand.
const FLOOD_MIB = Number(process.env.FLOOD_MIB ?? 256);

/** Resident and peak resident memory of a process, in MiB, from /proc. */
async function memoryMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

describe('misbehaving agents', () => {
  it(`keep the server's memory bounded while a step floods ${FLOOD_MIB} MiB to stdout, and all of it reaches the disk`, async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const warm = await server.submit(oneJob(dir, [{ step_id: 'warm', command: ['true'] }]));
    await server.settled(warm);
    const before = await memoryMiB(server.pid);
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'flood', command: ['sh', '-c', `head -c ${FLOOD_MIB * 1024 * 1024} /dev/zero`] }]));
    // The server answers while the flood runs.
    const during = await server.ok('get_scoreboard', { batch_id: batchId });
    expect(during.batch_id).toBe(batchId);
    const board = await server.settled(batchId, 300);
    expect(stepOf(board, 'j', 'flood').status).toBe('succeeded');
    const after = await memoryMiB(server.pid);
    const runId = stepOf(board, 'j', 'flood').run_id;
    const page = await server.ok('fetch_artifact', { run_id: runId, name: 'stdout', max_bytes: 16 });
    expect(page.size).toBe(FLOOD_MIB * 1024 * 1024);
    const growth = after.peak - before.rss;
    console.log(`flood: ${FLOOD_MIB} MiB to stdout, server RSS ${before.rss.toFixed(0)} MiB before, peak ${after.peak.toFixed(0)} MiB (growth ${growth.toFixed(0)} MiB), ${page.size} bytes on disk`);
    expect(growth).toBeLessThan(100);
  });

  it('cannot hang, flood or leak through its report file: a FIFO, /dev/zero, a link to another file or a hard link is not read', async () => {
    const dir = await tempDir();
    const secret = join(dir, 'secret.json');
    await writeFile(secret, '{"status":"success","summary":"SECRET"}');
    const server = await HarnessServer.start();
    const planted = {
      fifo: 'mkfifo "$HARNESS_FINAL_PATH"',
      zero: 'ln -s /dev/zero "$HARNESS_FINAL_PATH"',
      symlink: `ln -s '${secret}' "$HARNESS_FINAL_PATH"`,
      hardlink: `ln '${secret}' "$HARNESS_FINAL_PATH"`,
    };
    const batchId = await server.submit(oneJob(dir, Object.entries(planted).map(([id, plant]) => ({ step_id: id, command: ['sh', '-c', plant] }))));
    const board = await server.settled(batchId);
    const reasons: Record<string, string> = {};
    for (const id of Object.keys(planted)) {
      expect(stepOf(board, 'j', id).status, id).toBe('needs_attention');
      const state = JSON.parse((await server.ok('fetch_artifact', { batch_id: batchId, job_id: 'j', step_id: id, name: 'state' })).content);
      const final = (await server.ok('fetch_artifact', { batch_id: batchId, job_id: 'j', step_id: id, name: 'final' })).content;
      expect(`${state.message}${final}`, id).not.toContain('SECRET');
      reasons[id] = state.message;
    }
    expect(reasons).toEqual({
      fifo: expect.stringMatching(/\$HARNESS_FINAL_PATH was not read: it is not a regular file/),
      zero: expect.stringMatching(/\$HARNESS_FINAL_PATH was not read: it is a symbolic link/),
      symlink: expect.stringMatching(/\$HARNESS_FINAL_PATH was not read: it is a symbolic link/),
      hardlink: expect.stringMatching(/\$HARNESS_FINAL_PATH was not read: it has 2 hard links/),
    });
  });

  it('takes binary garbage, silence, and stray grandchildren in stride', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const escapee = join(dir, 'escapee.pid');
    const batchId = await server.submit(
      oneJob(dir, [
        { step_id: 'garbage', command: ['sh', '-c', 'head -c 100000 /dev/urandom; head -c 1000 /dev/urandom >&2'] },
        { step_id: 'silent', command: ['sh', '-c', 'exit 0'] },
        // The leader exits at once; its grandchild keeps stdout open in the same process group.
        { step_id: 'stray', command: ['sh', '-c', '(sleep 1000 &); echo leader done'] },
        // This grandchild leaves the group (setsid) and still holds the pipe.
        { step_id: 'escaped', command: ['sh', '-c', `setsid sh -c 'echo $$ > ${escapee}; exec sleep 1000' & sleep 0.2; echo leader done`] },
      ]),
    );
    const board = await server.settled(batchId, 60);
    for (const step of ['garbage', 'silent', 'stray', 'escaped']) expect(stepOf(board, 'j', step).status, step).toBe('succeeded');

    const garbage = stepOf(board, 'j', 'garbage').run_id;
    const stdout = await server.ok('fetch_artifact', { run_id: garbage, name: 'stdout' });
    expect(stdout.size).toBe(100000);
    expect((await server.ok('tail_events', { run_id: garbage })).events.at(-1).type).toBe('harness.attempt.ended');
    const silent = JSON.parse((await server.ok('fetch_artifact', { run_id: stepOf(board, 'j', 'silent').run_id, name: 'final' })).content);
    expect(silent).toMatchObject({ report_source: 'harness', report: { status: 'success', summary: 'exited 0' } });
    expect((await server.ok('fetch_artifact', { run_id: stepOf(board, 'j', 'stray').run_id, name: 'stdout' })).content).toBe('leader done\n');

    // The escapee outlives its step (it left the group), but the step did not wait for it.
    const pid = Number(await readFile(escapee, 'utf8'));
    expect(await isProcessAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => !(await isProcessAlive(pid)) || undefined, 'the escapee to go');
    expect((await stat(escapee)).size).toBeGreaterThan(0);
  });
});
