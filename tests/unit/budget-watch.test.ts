import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { queuedState, type AttemptState } from '../../src/core/index.js';
import { EventLog } from '../../src/store/index.js';
import { BudgetWatch } from '../../src/runner/budget-watch.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function running(): AttemptState {
  const at = '2026-12-01T00:00:00.000Z';
  return { ...queuedState({ run_id: '0'.repeat(16), batch_id: 'b', job_id: 'j', step_id: 's', attempt: 1, trigger: 'initial', cascade: false, created_at: at }), status: 'running', pid: 1, started_at: at };
}

const overAlways = { overBudget: () => 'step `j/s`’s max_tokens went over: 3 of 2 tokens', remainingStepCostUsd: () => null };

describe('BudgetWatch', () => {
  it('stops a running attempt that goes over its budget, once, saying so in events.jsonl', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'budget-watch-'));
    dirs.push(dir);
    const events = new EventLog(join(dir, 'events.jsonl'));
    const watch = new BudgetWatch(overAlways, events);
    watch.check(running());
    watch.check(running());
    await events.close();
    expect(watch.signal.aborted).toBe(true);
    expect(watch.stopReason).toMatch(/max_tokens went over/);
    expect((await readFile(join(dir, 'events.jsonl'), 'utf8')).match(/harness\.attempt\.budget_exceeded/g)).toHaveLength(1);
  });

  it('neither stops nor logs a stop once the process has exited (usage read at the end still counts elsewhere)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'budget-watch-'));
    dirs.push(dir);
    const events = new EventLog(join(dir, 'events.jsonl'));
    const watch = new BudgetWatch(overAlways, events);
    watch.close();
    watch.check(running());
    await events.close();
    expect(watch.signal.aborted).toBe(false);
    expect(watch.stopReason).toBeNull();
    expect(await readFile(join(dir, 'events.jsonl'), 'utf8')).not.toContain('budget_exceeded');
  });
});
