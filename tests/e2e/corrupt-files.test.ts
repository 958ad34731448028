import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness } from '../../src/harness/index.js';
import { RunsLock, RunsPaths } from '../../src/store/index.js';
import { oneJob, runCli, tempDir, TEST_CONFIG, treeSnapshot, whenDone, workDirIn } from './servers/harness-server.js';

const cli = (args: string[], cwd: string) => runCli(cwd, args);

/** A runs root holding one settled batch `kept` of one step, run from the terminal. */
async function rootWithOneBatch() {
  const dir = await tempDir();
  const runs = join(dir, 'runs');
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify(TEST_CONFIG));
  const table = join(dir, 't.json');
  await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }]), batch_id: 'kept' }));
  const ran = await cli(['run', table, '--runs-dir', runs, '--config', config], dir);
  expect(ran.code, ran.stderr).toBe(0);
  return { dir, runs };
}

describe('a runs root with a file that does not parse', () => {
  it('makes status name batch_meta.json instead of saying there is no batch, lists the batch as damaged, and changes nothing', async () => {
    const { dir, runs } = await rootWithOneBatch();
    const metaFile = join(runs, 'kept', 'batch_meta.json');
    await writeFile(metaFile, JSON.stringify({ batch_id: 'kept' }));
    const before = await treeSnapshot(runs);
    const shown = await cli(['status', 'kept', '--runs-dir', runs], dir);
    expect(shown.code).toBe(2);
    expect(shown.stderr).toContain(`harness-mcp: ${metaFile} does not hold what harness-mcp expects: `);
    expect(shown.stderr).not.toContain('No batch');
    const listed = await cli(['status', '--runs-dir', runs], dir);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toContain(`damaged: ${metaFile} does not hold what harness-mcp expects: `);
    const json = await cli(['status', '--json', '--runs-dir', runs], dir);
    expect(JSON.parse(json.stdout).damaged).toEqual([expect.objectContaining({ batch_id: 'kept', path: metaFile, outcome: 'batch_not_served' })]);
    expect(await treeSnapshot(runs)).toEqual(before);
  });

  it('makes status and logs name a torn state.json, and changes nothing', async () => {
    const { dir, runs } = await rootWithOneBatch();
    // A settled batch is read from its attempts index; without one every state.json is read.
    await rm(join(runs, 'kept', 'attempts_index.json'));
    const stepDir = join(runs, 'kept', 'j', 'a');
    const [attemptDir] = await readdir(stepDir);
    const stateFile = join(stepDir, attemptDir!, 'state.json');
    await writeFile(stateFile, '{"run_id": ');
    const before = await treeSnapshot(runs);
    for (const args of [['status', 'kept'], ['logs', attemptDir!.slice(-16)]]) {
      const shown = await cli([...args, '--runs-dir', runs], dir);
      expect(shown).toMatchObject({ code: 2, stderr: `harness-mcp: ${stateFile} does not hold what harness-mcp expects: not JSON\n` });
    }
    expect(await treeSnapshot(runs)).toEqual(before);
  });

  it('runs a root with a batch it cannot read, naming the file on the system scoreboard', async () => {
    const { runs } = await rootWithOneBatch();
    const metaFile = join(runs, 'kept', 'batch_meta.json');
    await writeFile(metaFile, JSON.stringify({ batch_id: 'kept' }));
    const harness = await Harness.open({ runsDir: runs });
    whenDone(() => harness.close());
    expect(harness.mode).toBe('active');
    expect(await RunsLock.isHeld(new RunsPaths(runs))).toBe(true);
    expect((await harness.reader.systemScoreboard()).damaged).toEqual([expect.objectContaining({ batch_id: 'kept', path: metaFile, outcome: 'batch_not_served' })]);
    await expect(harness.reader.batchScoreboard('kept', 'all')).rejects.toMatchObject({ code: 'file_corrupt', path: metaFile });
  });

  it('answers a batch id that can be no batch’s with not_found on a read-only server, as the owner does', async () => {
    const { dir, runs } = await rootWithOneBatch();
    const shown = await cli(['status', 'no such id', '--runs-dir', runs], dir);
    expect(shown.code).toBe(2);
    expect(shown.stderr).toContain('No batch `no such id`');
  });
});
