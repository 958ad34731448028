import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchScoreboard } from '../../src/core/index.js';
import { ScoreboardFiles } from '../../src/scoreboard/index.js';
import { RunsPaths } from '../../src/store/index.js';

const dirs: string[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the scoreboard files', () => {
  it('close waits for a write a timer already started, so the root is whole once the server stops', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harness-scoreboard-files-'));
    dirs.push(dir);
    const paths = new RunsPaths(dir);
    let release!: () => void;
    const building = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const files = new ScoreboardFiles(paths, {
      batchScoreboard: async () => {
        asked++;
        await building;
        return { batch_id: 'b', settled: false } as unknown as BatchScoreboard;
      },
      systemScoreboard: async () => ({}) as never,
      settled: async () => undefined,
      log: () => undefined,
    });
    await mkdir(paths.batchDir('b'), { recursive: true });
    files.changed('b');
    await vi.advanceTimersByTimeAsync(200);
    expect(asked).toBe(1); // the timed write is under way, building the scoreboard

    let closed = false;
    const closing = files.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(JSON.parse(await readFile(paths.batchScoreboardFile('b'), 'utf8'))).toMatchObject({ batch_id: 'b' });
  });

  it('close starts no write it does not wait for: a timer due while it waits is written by close itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harness-scoreboard-files-'));
    dirs.push(dir);
    const paths = new RunsPaths(dir);
    const gates = new Map<string, { open: Promise<void>; release: () => void }>();
    for (const id of ['a', 'b']) {
      let release!: () => void;
      const open = new Promise<void>((resolve) => (release = resolve));
      gates.set(id, { open, release });
    }
    const settled: string[] = [];
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const files = new ScoreboardFiles(paths, {
      batchScoreboard: async (batchId) => {
        await gates.get(batchId)!.open;
        return { batch_id: batchId, settled: true } as unknown as BatchScoreboard;
      },
      systemScoreboard: async () => ({ system: true }) as never,
      settled: async (batchId) => void settled.push(batchId),
      log: () => undefined,
    });
    for (const d of [paths.batchDir('a'), paths.batchDir('b'), paths.systemDir]) await mkdir(d, { recursive: true });
    files.changed('a');
    await vi.advanceTimersByTimeAsync(200); // a's write is under way
    files.changed('b'); // b's is due in 200 ms

    let closed = false;
    const closing = files.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(1000); // b's timer is due while close waits for a
    gates.get('a')!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false); // b's write is close's own, and it waits for it
    gates.get('b')!.release();
    await closing;
    expect(settled.sort()).toEqual(['a', 'b']);
    expect(JSON.parse(await readFile(paths.batchScoreboardFile('b'), 'utf8'))).toMatchObject({ batch_id: 'b' });
    expect(JSON.parse(await readFile(paths.systemScoreboardFile, 'utf8'))).toEqual({ system: true });
    await vi.advanceTimersByTimeAsync(1000);
    expect(settled).toHaveLength(2); // nothing was left to run after close
  });
});
