import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { Harness } from '../../src/harness/index.js';
import { BackgroundTasks, type TaskWorker } from '../../src/mcp/tasks/background-tasks.js';
import { eventually, tempDir, TEST_CONFIG, whenDone } from '../e2e/servers/harness-server.js';

const KEEP_SECONDS = 60;
const WORK = { tool: 'run_batch', batch_id: 'b', deduplicated: false } as const;
const RESULT: CallToolResult = { content: [{ type: 'text', text: 'done' }], structuredContent: { ok: true } };

/** A harness on a fresh root, and a clock the test moves by hand. */
async function setUp() {
  const dir = await tempDir();
  const configFile = join(dir, 'config.json');
  await writeFile(configFile, JSON.stringify({ ...TEST_CONFIG, interfaces: { mcp_tasks: { keep_ended_seconds: KEEP_SECONDS } } }));
  const harness = await Harness.open({ runsDir: join(dir, 'runs'), configFile, dispatch: false });
  whenDone(() => harness.close());
  const clock = { ms: Date.parse('2026-12-01T00:00:00.000Z') };
  const open = async (worker: TaskWorker) => {
    const tasks = await BackgroundTasks.open(harness, worker, { now: () => clock.ms });
    whenDone(async () => tasks.close());
    return tasks;
  };
  return { harness, clock, open, tasksDir: join(dir, 'runs', '_system', 'tasks') };
}

/** A worker whose every task waits until `finish` is called, or its signal aborts. */
function heldWorker() {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const seen: AbortSignal[] = [];
  const worker: TaskWorker = async (_work, report, signal) => {
    seen.push(signal);
    report('halfway');
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      void finished.then(resolve);
    });
    return RESULT;
  };
  return { worker, finish, seen };
}

describe('BackgroundTasks', () => {
  it('keeps an ended task for keep_ended_seconds after it ended, with ttlMs counted from creation, then forgets it', async () => {
    const { clock, open, tasksDir } = await setUp();
    const held = heldWorker();
    const tasks = await open(held.worker);
    const created = await tasks.create(WORK);
    expect(created).toMatchObject({ status: 'working', ttl_ms: null });
    await eventually(async () => (await tasks.get(created.task_id))?.status_message === 'halfway' || undefined, 'the report');
    clock.ms += 10_000; // the work takes 10 s
    held.finish();
    const ended = await eventually(async () => {
      const task = await tasks.get(created.task_id);
      return task?.status === 'completed' ? task : undefined;
    }, 'the task to complete');
    expect(ended).toMatchObject({ ttl_ms: 10_000 + KEEP_SECONDS * 1000, result: RESULT });

    clock.ms += KEEP_SECONDS * 1000 - 1;
    expect(await tasks.get(created.task_id)).toBeDefined();
    clock.ms += 1;
    expect(await tasks.get(created.task_id)).toBeUndefined();
    expect(await readdir(tasksDir)).toEqual([]);
  });

  it('never expires a task still working, and sweeps expired ones when it opens', async () => {
    const { clock, open, tasksDir } = await setUp();
    const quick: TaskWorker = async () => RESULT;
    const first = await open(quick);
    const ended = await first.create(WORK);
    await eventually(async () => (await first.get(ended.task_id))?.status === 'completed' || undefined, 'the quick task to end');
    const held = heldWorker();
    const second = await open(held.worker);
    const working = await second.create(WORK);
    clock.ms += 30 * 24 * 3600 * 1000;
    expect(await second.get(working.task_id)).toMatchObject({ status: 'working' });
    first.close();
    second.close();
    await open(heldWorker().worker);
    // Task files only: the working task, taken up again, may be writing its report's temp file.
    expect((await readdir(tasksDir)).filter((name) => /^[0-9a-f]{32}\.json$/.test(name))).toEqual([`${working.task_id}.json`]);
  });

  it('takes up a working task after a restart, and carries out a cancel that was recorded as the last server stopped', async () => {
    const { open, tasksDir } = await setUp();
    const before = heldWorker();
    const first = await open(before.worker);
    const kept = await first.create(WORK);
    const pending = await first.create(WORK);
    for (const task of [kept, pending]) await eventually(async () => (await first.get(task.task_id))?.status_message === 'halfway' || undefined, 'the report');
    first.close();
    expect(before.seen.map((s) => s.reason)).toEqual(['shutdown', 'shutdown']);
    expect((await first.get(kept.task_id))?.status).toBe('working');
    // What a server that stopped between recording tasks/cancel and acting on it leaves.
    const file = join(tasksDir, `${pending.task_id}.json`);
    await writeFile(file, JSON.stringify({ ...(await first.get(pending.task_id)), cancel_requested: true }));

    const after = heldWorker();
    const second = await open(after.worker);
    await eventually(async () => (await second.get(pending.task_id))?.status === 'cancelled' || undefined, 'the recorded cancel to be carried out');
    after.finish();
    await eventually(async () => (await second.get(kept.task_id))?.status === 'completed' || undefined, 'the taken-up task to complete');
    // Taken up in the order the directory lists them: one left working, one stopped at once.
    expect(after.seen.map((s) => String(s.reason)).sort()).toEqual(['cancelled', 'undefined']);
  });
});
