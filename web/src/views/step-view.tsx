import { useState } from 'preact/hooks';
import { AttemptsList, FinalReport } from '../components/attempts-list.js';
import { DiffView } from '../components/diff-view.js';
import { LandPanel } from '../components/land-panel.js';
import { LogTail } from '../components/log-tail.js';
import { StepActions } from '../components/step-actions.js';
import { batchMetaUri, batchScoreboardUri, type AttemptSummary, type HarnessSource } from '../data/source.js';
import { useLive } from '../data/use-live.js';
import { hrefOf } from '../routes.js';

// The shapes read here, of the batch scoreboard (src/core/scoreboard.ts) and batch meta (src/core/batch-meta.ts).
interface StepEntry {
  job_id: string;
  step_id: string;
  status: string;
  run_id: string | null;
  attempts: number;
  blocked_reasons: string[];
}
interface PlannedJob {
  job_id: string;
  workspace_policy: string;
  git?: { base_ref: string; branch: string | null } | null;
}

interface StepReading {
  step: StepEntry;
  attempts: AttemptSummary[];
}

const ENDED = ['succeeded', 'failed', 'canceled', 'needs_attention'];
const CAN_STILL_RUN = ['blocked', 'ready', 'running'];

async function readStep(source: HarnessSource, batchId: string, jobId: string, stepId: string): Promise<StepReading> {
  const board = await source.readResource<{ steps: StepEntry[] }>(batchScoreboardUri(batchId));
  const step = board.steps.find((s) => s.job_id === jobId && s.step_id === stepId);
  if (!step) throw new Error(`batch ${batchId} has no step ${jobId}/${stepId}`);
  if (source.stepAttempts) return { step, attempts: await source.stepAttempts(batchId, jobId, stepId) };
  // A source that cannot list attempts: the latest, from its state.json.
  if (!step.run_id) return { step, attempts: [] };
  const state = await source.callTool<{ content: string }>('fetch_artifact', { run_id: step.run_id, name: 'state' });
  return { step, attempts: state.isError ? [] : [JSON.parse(state.structuredContent.content) as AttemptSummary] };
}

/** One step of a batch: its attempts, the chosen one's logs (followed while it runs), report and diff, and what can be done to it. */
export function StepView({ batchId, jobId, stepId }: { batchId: string; jobId: string; stepId: string }) {
  const scoreboard = batchScoreboardUri(batchId);
  const live = useLive((source) => readStep(source, batchId, jobId, stepId), (uri) => uri === scoreboard, [batchId, jobId, stepId]);
  const meta = useLive((source) => source.readResource<{ jobs: PlannedJob[] }>(batchMetaUri(batchId)), () => false, [batchId]);
  const [chosen, setChosen] = useState<string | undefined>();

  const heading = (
    <h1 class="step-title">
      <a href={hrefOf({ view: 'batch', batchId })}>{batchId}</a> / {jobId} / {stepId}{' '}
      {live.data && <span class={`status status-${live.data.step.status}`}>{live.data.step.status}</span>}
    </h1>
  );
  if (!live.data) return <>{heading}{live.error ? <p class="error">{live.error.message}</p> : <p class="muted">Loading…</p>}</>;

  const { step, attempts } = live.data;
  // The person's choice, else the newest: a retry's new attempt is shown as it comes.
  const selected = attempts.find((a) => a.run_id === chosen) ?? attempts.at(-1);
  const job = meta.data?.jobs.find((j) => j.job_id === jobId);
  const branch = job?.workspace_policy === 'isolated' ? job.git?.branch : undefined;
  return (
    <div class="step-view">
      {heading}
      {live.error && <p class="error">{live.error.message}</p>}
      {step.blocked_reasons.length > 0 && <p class="muted">Blocked: {step.blocked_reasons.join('; ')}</p>}
      <StepActions
        batchId={batchId}
        jobId={jobId}
        stepId={stepId}
        cancelable={CAN_STILL_RUN.includes(step.status)}
        retryable={step.status !== 'running' && !['queued', 'running'].includes(attempts.at(-1)?.status ?? '')}
        onDone={live.reload}
      />
      <section aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts ({step.attempts})</h2>
        <AttemptsList attempts={attempts} selected={selected?.run_id} onSelect={setChosen} />
      </section>
      {selected && (
        <>
          <section aria-labelledby="log-title">
            <h2 id="log-title">
              Logs of attempt {selected.attempt} <span class="muted mono">{selected.run_id}</span>
            </h2>
            <LogTail batchId={batchId} runId={selected.run_id} running={!ENDED.includes(selected.status)} />
            <FinalReport runId={selected.run_id} ended={ENDED.includes(selected.status)} />
          </section>
          <section aria-labelledby="diff-title">
            <h2 id="diff-title">Changes</h2>
            <DiffView runId={selected.run_id} ended={ENDED.includes(selected.status)} />
          </section>
        </>
      )}
      {branch && job?.git && <LandPanel batchId={batchId} jobId={jobId} branch={branch} baseRef={job.git.base_ref} onDone={meta.reload} />}
    </div>
  );
}
