import { execFileSync } from 'node:child_process';
import { copyFile, lstat, mkdir, open, readdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, HarnessServer, oneJob, tempDir } from './servers/harness-server.js';

const queue = (runs: string, stage: string) => join(runs, '_system', 'queue', stage);
const json = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

/** Drops a file into the inbox the safe way: written aside, then renamed in. */
async function drop(runs: string, name: string, content: unknown): Promise<void> {
  const aside = join(runs, '_system', 'queue', `.${name}.partial`);
  await mkdir(queue(runs, 'inbox'), { recursive: true });
  await writeFile(aside, typeof content === 'string' ? content : JSON.stringify(content));
  await rename(aside, join(queue(runs, 'inbox'), name));
}

describe('the filesystem queue', () => {
  it('accepts valid tables and rejects invalid ones with their problems, each exactly once, several at once', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    await Promise.all(Array.from({ length: 5 }, (_, i) => drop(server.runsDir, `t${i}.json`, { ...oneJob(dir, [{ step_id: 'a', command: ['true'] }]), batch_id: `q${i}` })));
    await drop(server.runsDir, 'bad.json', { batch_goal_summary: 'short', jobs: [] });
    await drop(server.runsDir, 'garbage.json', '{ not json');
    await eventually(async () => (await readdir(queue(server.runsDir, 'inbox'))).length === 0 && (await readdir(queue(server.runsDir, 'processing'))).length === 0 || undefined, 'the inbox to empty');
    await eventually(async () => (await readdir(queue(server.runsDir, 'accepted'))).length === 10 || undefined, 'five tables and five results in accepted/');

    const accepted = (await readdir(queue(server.runsDir, 'accepted'))).sort();
    expect(accepted).toContain('t0.json');
    expect(await json(join(queue(server.runsDir, 'accepted'), 't0.json.result.json'))).toMatchObject({ batch_id: 'q0', deduplicated: false });
    const errors = await json(join(queue(server.runsDir, 'rejected'), 'bad.json.errors.json'));
    expect(errors).toMatchObject({ code: 'launch_table_invalid' });
    expect(errors.problems.map((p: any) => p.path)).toEqual(expect.arrayContaining(['batch_goal_summary', 'jobs']));
    expect((await json(join(queue(server.runsDir, 'rejected'), 'garbage.json.errors.json'))).problems[0].message).toMatch(/^not JSON/);
    expect((await server.ok('list_batches')).batches.map((b: any) => b.batch_id).sort()).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
  });

  it('waits for a file written slowly in place, and takes files that arrived while no server ran', async () => {
    const dir = await tempDir();
    const first = await HarnessServer.start();
    await first.stop();
    await drop(first.runsDir, 'while-down.json', { ...oneJob(dir, [{ step_id: 'a', command: ['true'] }]), batch_id: 'down' });

    const server = await HarnessServer.start({ runsDir: first.runsDir });
    await eventually(async () => (await readdir(queue(server.runsDir, 'accepted'))).includes('while-down.json') || undefined, 'the waiting file to be taken');
    // A writer that does not rename: the file grows in the inbox in pieces.
    const text = JSON.stringify({ ...oneJob(dir, [{ step_id: 'a', command: ['true'] }]), batch_id: 'slow' });
    const handle = await open(join(queue(server.runsDir, 'inbox'), 'slow.json'), 'w');
    for (let i = 0; i < text.length; i += Math.ceil(text.length / 5)) {
      await handle.write(text.slice(i, i + Math.ceil(text.length / 5)));
      await new Promise((r) => setTimeout(r, 100));
    }
    await handle.close();
    await eventually(async () => (await readdir(queue(server.runsDir, 'accepted'))).includes('slow.json') || undefined, 'the slow file to be accepted');
    expect((await server.ok('list_batches')).batches.map((b: any) => b.batch_id).sort()).toEqual(['down', 'slow']);
  });

  it('never submits twice a table left in processing/ by a server that died after submitting it', async () => {
    const dir = await tempDir();
    const first = await HarnessServer.start();
    await drop(first.runsDir, 'once.json', oneJob(dir, [{ step_id: 'a', command: ['true'] }]));
    await eventually(async () => (await readdir(queue(first.runsDir, 'accepted'))).includes('once.json') || undefined, 'acceptance');
    await first.stop();
    // As if the server had died between submitting and moving the file on.
    await copyFile(join(queue(first.runsDir, 'accepted'), 'once.json'), join(queue(first.runsDir, 'processing'), 'once.json'));
    const second = await HarnessServer.start({ runsDir: first.runsDir });
    await eventually(async () => (await readdir(queue(second.runsDir, 'processing'))).length === 0 || undefined, 'processing/ to empty');
    expect((await second.ok('list_batches')).batches).toHaveLength(1);
    const results = (await readdir(queue(second.runsDir, 'accepted'))).filter((n) => n.endsWith('.result.json'));
    expect(results).toHaveLength(2);
    const again = await json(join(queue(second.runsDir, 'accepted'), results.find((n) => n !== 'once.json.result.json')!));
    expect(again.deduplicated).toBe(true);
  });

  it('takes only regular files within the size limit, reads nothing through a link, and quotes nothing of what it refuses', async () => {
    const dir = await tempDir();
    const secret = join(dir, 'shadow');
    await writeFile(secret, 'root:*:20260:0:99999:7:::\n');
    const server = await HarnessServer.start({ config: { limits: { max_launch_table_bytes: 2048 } } });
    const inbox = queue(server.runsDir, 'inbox');
    await mkdir(inbox, { recursive: true });
    await symlink(secret, join(inbox, 'link.json'));
    // Four FIFOs once took every libuv thread: every later file operation hung.
    for (const i of [1, 2, 3, 4]) execFileSync('mkfifo', [join(inbox, `fifo${i}.json`)]);
    await drop(server.runsDir, 'big.json', { ...oneJob(dir, [{ step_id: 'a', command: ['true'] }]), padding: 'x'.repeat(4096) });
    await drop(server.runsDir, 'shadowy.json', 'root:*:20260:0:99999:7:::');
    await drop(server.runsDir, 'fine.json', { ...oneJob(dir, [{ step_id: 'a', command: ['true'] }]), batch_id: 'fine' });

    const rejected = queue(server.runsDir, 'rejected');
    const errorsOf = async (name: string) => json(join(rejected, `${name}.errors.json`));
    await eventually(async () => (await readdir(rejected)).filter((n) => n.endsWith('.errors.json')).length === 7 || undefined, 'seven refusals');
    expect((await errorsOf('link.json')).problems[0].message).toBe('is a symbolic link; the queue takes only regular files');
    for (const i of [1, 2, 3, 4]) expect((await errorsOf(`fifo${i}.json`)).problems[0].message).toMatch(/^is not a regular file/);
    expect((await errorsOf('big.json')).problems[0].message).toMatch(/^is \d+ bytes; at most 2048 are allowed \(limits\.max_launch_table_bytes\)$/);
    expect((await errorsOf('shadowy.json')).problems[0].message).toBe('not JSON: the file does not parse as JSON');
    for (const name of await readdir(rejected)) {
      const path = join(rejected, name);
      if (!(await lstat(path)).isFile() || !name.endsWith('.errors.json')) continue;
      expect(await readFile(path, 'utf8')).not.toContain('root:*');
      expect((await stat(path)).mode & 0o077).toBe(0); // owner-only
    }
    expect((await lstat(join(rejected, 'link.json'))).isSymbolicLink()).toBe(true); // moved as the link it is
    await eventually(async () => ((await server.ok('list_batches')).batches.some((b: any) => b.batch_id === 'fine') ? true : undefined), 'the valid table, after all the others');
    expect((await server.ok('list_batches')).batches.map((b: any) => b.batch_id)).toEqual(['fine']);
  });
});
