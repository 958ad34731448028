import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nowIso, PathEscapeError, queuedState, type AttemptState } from '../../src/core/index.js';
import { KeyedSerial } from '../../src/core/index.js';
import { AttemptFiles, CurrentIndexFiles, DamagedFiles, RunsPaths, tailEventLines, writeJsonOnce } from '../../src/store/index.js';

let root: string;
let paths: RunsPaths;
let files: AttemptFiles;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'harness-unit-'));
  paths = new RunsPaths(root);
  files = new AttemptFiles(paths, new KeyedSerial());
});
afterEach(() => rm(root, { recursive: true, force: true }));

const location = { batchId: 'b', jobId: 'j', stepId: 's', dirName: '20261121T101010000Z_0123456789abcdef' };

function queued(): AttemptState {
  return queuedState({ run_id: '0123456789abcdef', batch_id: 'b', job_id: 'j', step_id: 's', attempt: 1, trigger: 'initial', cascade: false, created_at: nowIso() });
}

describe('state.json', () => {
  it('refuses to change a terminal state', async () => {
    await files.create(location, queued());
    const now = nowIso();
    await files.writeState(location, { ...queued(), status: 'succeeded', started_at: now, ended_at: now });
    const again = files.writeState(location, { ...queued(), status: 'running', started_at: now });
    await expect(again).rejects.toMatchObject({ code: 'attempt_terminal', message: 'Attempt 0123456789abcdef is already succeeded; a terminal state never changes' });
    expect(JSON.parse(await readFile(paths.artifactFile(location, 'state'), 'utf8')).status).toBe('succeeded');
  });

  it('refuses a running state without started_at and a terminal one without ended_at', async () => {
    await files.create(location, queued());
    await expect(files.writeState(location, { ...queued(), status: 'running' })).rejects.toThrow(/a running attempt has started_at/);
    await expect(files.writeState(location, { ...queued(), status: 'failed', started_at: nowIso(), failure_reason: 'timeout' })).rejects.toThrow(
      /ended_at is present exactly when the attempt is terminal/,
    );
    await expect(files.writeState(location, { ...queued(), status: 'failed', started_at: nowIso(), ended_at: nowIso() })).rejects.toThrow(/failure_reason/);
  });
});

describe('write-once files', () => {
  it('are never replaced', async () => {
    const path = join(root, 'once.json');
    await writeJsonOnce(path, { first: true });
    await expect(writeJsonOnce(path, { first: false })).rejects.toMatchObject({ code: 'write_once' });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ first: true });
  });
});

describe('current.json', () => {
  it('keeps every step’s update when many land at once', async () => {
    const index = new CurrentIndexFiles(paths, new KeyedSerial(), new DamagedFiles(paths, () => undefined));
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        index.update('b', 'j', (current) => {
          current.steps[`s${i}`] = { latest: null, latest_successful: null };
        }),
      ),
    );
    const stored = await index.read('b', 'j');
    expect(Object.keys(stored!.steps)).toHaveLength(50);
  });
});

describe('paths', () => {
  it('refuse ids that would leave the runs root', () => {
    expect(() => paths.batchDir('../etc')).toThrow(PathEscapeError);
    expect(() => paths.stepDir('b', 'j', 'a/b')).toThrow(PathEscapeError);
    expect(() => paths.attemptDir({ ...location, dirName: '../../x' })).toThrow(PathEscapeError);
    expect(paths.attemptDir(location)).toBe(join(root, 'b', 'j', 's', location.dirName));
  });
});

describe('tailEventLines', () => {
  it('reads the last lines from the end, leaving out a line still being written', async () => {
    await files.create(location, queued());
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ ts: 't', type: `e${i}` }));
    await writeFile(paths.artifactFile(location, 'events'), `${lines.join('\n')}\n{"ts":"t","type":"half`);
    const tail = await tailEventLines(paths, location, 3, undefined, 1024 * 1024);
    expect(tail.lines.map((l) => JSON.parse(l).type)).toEqual(['e4997', 'e4998', 'e4999']);
    const next = await tailEventLines(paths, location, 10, tail.cursor, 1024 * 1024);
    expect(next.lines).toEqual([]); // the half line is not handed out until it is whole
    expect(next.cursor).toBe(tail.cursor);
  });
});
