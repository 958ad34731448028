import { copyFile, mkdir, open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
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
});
