import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LaunchTableInvalidError } from '../../src/core/index.js';
import { parseHarnessConfig } from '../../src/config/index.js';
import { planBatch, type PlanContext } from '../../src/launch-table/index.js';

let dir: string;
let ctx: PlanContext;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-fuzz-'));
  ctx = {
    config: parseHarnessConfig({ limits: { min_goal_summary_words: 3 } }, 'fuzz').config,
    agents: new Map([['command', { resumable: false }], ['codex', { resumable: true }]]),
    batchIdTaken: () => undefined,
    now: new Date(),
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// Strings a hostile or careless client sends: traversal, separators, control characters, unicode, sizes.
const hostileString = fc.oneof(
  fc.constantFrom('..', '../etc', '/abs', 'a/b', 'a\\b', 'CON', 'nul.txt', '', ' ', 'a\u0000b', 'é', '🙂', '%2e%2e%2f', 'x'.repeat(70)),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const id = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), hostileString);

const step = fc.record(
  {
    step_id: id,
    agent: fc.oneof(fc.constantFrom('command', 'codex', 'claude'), hostileString),
    command: fc.oneof(fc.array(hostileString, { maxLength: 3 }), fc.constant(['true'])),
    prompt: hostileString,
    depends_on: fc.array(id, { maxLength: 3 }),
    resume_from: fc.record({ step_id: id, selector: fc.oneof(fc.constantFrom('latest', 'latest_successful', 'run_id'), hostileString), run_id: hostileString }, { requiredKeys: [] }),
    timeout_seconds: fc.oneof(fc.double(), fc.integer({ min: -5, max: 10_000_000 })),
    retries: fc.record({ max_attempts: fc.integer({ min: -2, max: 200 }), backoff_seconds: fc.double() }, { requiredKeys: [] }),
    env: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
    output_schema: fc.oneof(fc.constant({ type: 'object' }), fc.constant({ type: 'nonsense' }), fc.object({ maxDepth: 2 })),
  },
  { requiredKeys: ['step_id'] },
);
const table = fc.record(
  {
    batch_id: id,
    batch_goal_summary: fc.oneof(fc.constant('one two three four'), hostileString),
    defaults: fc.record({ agent: fc.constantFrom('command', 'codex'), timeout_seconds: fc.integer({ min: -1, max: 100 }) }, { requiredKeys: [] }),
    jobs: fc.array(
      fc.record(
        {
          job_id: id,
          working_directory: fc.oneof(fc.constant('WORKDIR'), hostileString),
          workspace_policy: fc.constantFrom('shared', 'isolated', 'other'),
          variants: fc.oneof(fc.integer({ min: -1, max: 18 }), fc.double()),
          steps: fc.array(step, { maxLength: 4 }),
        },
        { requiredKeys: ['job_id', 'working_directory', 'workspace_policy', 'steps'] },
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['jobs'] },
);

describe('planBatch under generated input', () => {
  it('answers anything at all with a plan or a LaunchTableInvalidError listing its problems, never another error', async () => {
    let invalid = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything({ maxDepth: 4 }), table), async (input) => {
        const withDir = JSON.parse(JSON.stringify(input ?? null)?.replaceAll('"WORKDIR"', JSON.stringify(dir)) ?? 'null');
        try {
          await planBatch(withDir, ctx);
        } catch (error) {
          if (!(error instanceof LaunchTableInvalidError)) throw error;
          invalid++;
          expect(error.problems.length).toBeGreaterThan(0);
          for (const p of error.problems) {
            expect(typeof p.path).toBe('string');
            expect(p.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 3000 },
    );
    console.log(`fuzz: 3000 generated launch tables and values, ${invalid} refused with every problem listed, 0 other errors`);
    expect(invalid).toBeGreaterThan(1000);
  });
});

const validTable = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), { minLength: 1, maxLength: 4 })
  .chain((jobIds) =>
    fc.record({
      batch_goal_summary: fc.constant('four words of goal'),
      jobs: fc.tuple(
        ...jobIds.map((jobId) =>
          fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9._-]{0,7}$/).filter((s) => !s.includes('..') && !s.endsWith('.')), { minLength: 1, maxLength: 6 }).chain((stepIds) =>
            fc.record({
              job_id: fc.constant(jobId),
              working_directory: fc.constant('WORKDIR'),
              steps: fc.tuple(
                ...stepIds.map((stepId, i) =>
                  fc.record({
                    step_id: fc.constant(stepId),
                    agent: fc.constant('command'),
                    command: fc.constant(['true']),
                    // Only earlier steps, so the graph has no cycle.
                    depends_on: fc.subarray(stepIds.slice(0, i)),
                  }),
                ),
              ),
            }),
          ),
        ),
      ),
    }),
  );

describe('planBatch under generated valid tables', () => {
  it('plans every one, with every step after its dependencies', async () => {
    await fc.assert(
      fc.asyncProperty(validTable, async (input) => {
        const planned = await planBatch(JSON.parse(JSON.stringify(input).replaceAll('"WORKDIR"', JSON.stringify(dir))), ctx);
        for (const job of planned.jobs) {
          const seen = new Set<string>();
          for (const s of job.steps) {
            for (const d of s.depends_on) expect(seen.has(d)).toBe(true);
            seen.add(s.step_id);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
