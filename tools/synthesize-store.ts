// Writes a runs root of finished batches straight through the store's own modules, for scale
// benchmarks: what a long-running harness leaves behind, without waiting for it to run.
import { mkdir } from 'node:fs/promises';
import PQueue from 'p-queue';
import { createRunId, queuedState, type BatchMeta, type CurrentIndex } from '../src/core/index.js';
import { attemptDirName, RunsPaths, writeJsonAtomic, writeJsonOnce } from '../src/store/index.js';

// The tails of three kinds of failure, 2,000 characters each as the runner keeps them.
const FAILURE_OUTPUT = ['npm ERR! connection refused', 'FAIL src/app.test.ts: expected 2 to be 3', 'error: disk quota exceeded'].map((line) =>
  `${line}\n`.repeat(200).slice(-2000),
);

/**
 * `batches` batches of `jobs` jobs of `steps` steps (each step depends on the one before), every
 * step with one succeeded attempt. With `failStep`, that step of every job failed instead, with
 * 2,000 characters of output in its message (one of three, by job), and the steps after it are
 * left without an attempt: blocked, as a real failure leaves them.
 */
export async function synthesizeStore(root: string, batches: number, jobs: number, steps: number, workdir: string, failStep?: number): Promise<number> {
  const paths = new RunsPaths(root);
  const queue = new PQueue({ concurrency: 64 });
  let attempts = 0;
  for (let b = 0; b < batches; b++) {
    const batchId = `scale-${String(b).padStart(4, '0')}`;
    const at = new Date(Date.UTC(2026, 10, 1, 0, 0, b)).toISOString();
    const meta: BatchMeta = {
      batch_id: batchId,
      spec_version: null,
      submitted_at: at,
      harness_config_version: 'synthetic',
      batch_goal_summary: 'synthetic batch for scale benchmarks',
      launch_table_sha256: '0'.repeat(64),
      idempotency_key: null,
      launch_table: {},
      effective_defaults: { timeout_seconds: 60, retries: { max_attempts: 1, backoff_seconds: 0 }, agent: 'command' },
      jobs: Array.from({ length: jobs }, (_, j) => ({
        job_id: `j${j}`,
        working_directory: workdir,
        workspace_policy: 'shared' as const,
        variant: null,
        steps: Array.from({ length: steps }, (_, s) => ({
          step_id: `s${s}`,
          agent: 'command' as const,
          prompt: null,
          command: ['true'],
          depends_on: s > 0 ? [`s${s - 1}`] : [],
          resume_from: null,
          timeout_seconds: 60,
          retries: { max_attempts: 1, backoff_seconds: 0 },
          sandbox: null,
          output_schema: null,
          env: {},
          fallback: null,
        })),
      })),
    };
    await mkdir(paths.batchDir(batchId), { recursive: true });
    await writeJsonOnce(paths.batchMetaFile(batchId), meta);
    for (const job of meta.jobs) {
      const current: CurrentIndex = { batch_id: batchId, job_id: job.job_id, updated_at: at, steps: {} };
      for (const [index, step] of job.steps.entries()) {
        if (failStep !== undefined && index > failStep) break;
        const failed = index === failStep;
        const runId = createRunId();
        const location = { batchId, jobId: job.job_id, stepId: step.step_id, dirName: attemptDirName(at, runId) };
        const base = { ...queuedState({ run_id: runId, batch_id: batchId, job_id: job.job_id, step_id: step.step_id, attempt: 1, trigger: 'initial', cascade: false, created_at: at }), started_at: at, ended_at: at };
        const message = `exited 1; output ends: ${FAILURE_OUTPUT[Number(job.job_id.slice(1)) % FAILURE_OUTPUT.length]}`;
        const state = failed
          ? { ...base, status: 'failed' as const, exit_code: 1, failure_reason: 'exit_nonzero' as const, message, agent_outcome: { status: 'failure' as const, summary: message } }
          : { ...base, status: 'succeeded' as const, exit_code: 0 };
        const pointer = { run_id: runId, attempt_dir: paths.relative(paths.attemptDir(location)), resume_base_dir: null, thread_id: null, status: state.status };
        current.steps[step.step_id] = { latest: pointer, latest_successful: failed ? null : pointer };
        attempts++;
        void queue.add(async () => {
          await mkdir(paths.attemptDir(location), { recursive: true });
          await writeJsonAtomic(paths.artifactFile(location, 'state'), state, { durable: false });
        });
      }
      void queue.add(() => mkdir(paths.jobDir(batchId, job.job_id), { recursive: true }).then(() => writeJsonAtomic(paths.currentFile(batchId, job.job_id), current, { durable: false })));
    }
  }
  await queue.onIdle();
  return attempts;
}
