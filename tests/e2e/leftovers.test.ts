import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, cliEnv, eventually, HarnessServer, isProcessAlive, oneJob, tempDir, TEST_CONFIG, workDirIn } from './servers/harness-server.js';

const exec = promisify(execFile);

/** A runs root with one settled batch `old` of one step (job j, step a), which GC may remove at once. */
async function rootWithOneBatch(): Promise<{ dir: string; runs: string; config: string }> {
  const dir = await tempDir();
  const runs = join(dir, 'runs');
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ ...TEST_CONFIG, retention_policy: { keep_closed_batches_days: 0 } }));
  const table = join(dir, 't.json');
  await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }]), batch_id: 'old' }));
  await exec(process.execPath, [CLI, 'run', table, '--runs-dir', runs, '--config', config], { cwd: dir, env: cliEnv() });
  return { dir, runs, config };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('what crashes leave behind', () => {
  it('finishes at the next start a GC that was SIGKILLed while deleting a batch, which no listing shows meanwhile', async () => {
    const { dir, runs, config } = await rootWithOneBatch();
    // Enough files that deleting them takes a while, so the kill lands in the middle.
    const filler = join(runs, 'old', 'j', 'filler');
    await mkdir(filler);
    await exec('sh', ['-c', 'seq 20000 | xargs touch'], { cwd: filler });
    const removing = join(runs, '_system', 'removing');

    const gc = spawn(process.execPath, [CLI, 'gc', '--runs-dir', runs, '--config', config], { cwd: dir, env: cliEnv(), stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => gc.once('exit', () => resolve()));
    let gcDone = false;
    void exited.then(() => (gcDone = true));
    const sawRemoval = await eventually(async () => ((await readdir(removing).catch(() => [])).length > 0 ? 'removing' : gcDone ? 'gc exited' : undefined), 'GC to start deleting');
    gc.kill('SIGKILL');
    await exited;
    expect(sawRemoval).toBe('removing'); // the batch left the root's listing in one rename, before any of it was deleted
    expect(await exists(join(runs, 'old'))).toBe(false);
    const { stdout } = await exec(process.execPath, [CLI, 'status', '--json', '--runs-dir', runs], { cwd: dir, env: cliEnv() });
    expect(JSON.parse(stdout).batches).toEqual([]);

    const server = await HarnessServer.start({ runsDir: runs });
    // The log line follows the removal, and reaches this process a moment after it.
    await eventually(async () => /finished removing .*removing\/old\.[0-9a-f]{8}, which a GC cut short left/.test(server.stderr) || undefined, 'the next start to say it finished the removal');
    expect(await readdir(removing)).toEqual([]);
    expect(await isProcessAlive(gc.pid!)).toBe(false);
  });

  it('deletes at start the temp files of writes cut short, older than the server, and nothing else', async () => {
    const { runs } = await rootWithOneBatch();
    const stepDir = join(runs, 'old', 'j', 'a');
    const attempt = join(stepDir, (await readdir(stepDir))[0]!);
    const stale = [
      join(runs, '_system', 'harness_config.json.12345'),
      join(runs, '_system', 'queue', 'control', 'x.response.json.7'),
      join(runs, '_system', 'queue', 'rejected', 'x.errors.json.0123456789ab.tmp'),
      join(runs, 'old', 'batch_meta.json.0123456789ab.tmp'),
      join(runs, 'old', 'j', 'current.json.42'),
      join(attempt, 'state.json.4294967295'),
      join(attempt, 'final.json.abcdefabcdef.tmp'),
    ];
    const kept = [
      join(runs, 'old', 'j', 'workspace', 'data.json.123'), // the user's files in an isolated workspace
      join(attempt, 'codex_home', 'sessions.json.5'), // an agent's session store
      join(attempt, 'notes.json.bak'), // no temp name
      join(runs, '_system', 'queue', 'inbox', 'table.json.3'), // dropped in by someone: the server only moves what is there
    ];
    const anHourAgo = new Date(Date.now() - 3600_000);
    for (const path of [...stale, ...kept]) {
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, '{"half": ');
      await utimes(path, anHourAgo, anHourAgo);
    }
    // A temp file newer than the server is a write under way (of another process, as far as it knows).
    const fresh = join(attempt, 'meta.json.777');
    await writeFile(fresh, '{}');
    const inAnHour = new Date(Date.now() + 3600_000);
    await utimes(fresh, inAnHour, inAnHour);

    const server = await HarnessServer.start({ runsDir: runs });
    await eventually(async () => {
      for (const path of stale) if (await exists(path)) return undefined;
      return true;
    }, 'the stale temp files to go', 15_000);
    for (const path of [...kept, fresh]) expect(await exists(path), path).toBe(true);
    await eventually(async () => server.stderr.includes(`deleted ${stale.length} temp files that cut-short writes left`) || undefined, 'the server to log the sweep');
  });
});
