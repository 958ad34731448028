import { useMemo, useState } from 'preact/hooks';
import type { StepEntry } from '../../../src/core/scoreboard.js';
import { act } from '../data/source.js';
import { useSource } from '../data/use-live.js';
import { ActionButton } from './action-button.js';
import type { DagStep } from './dag-layout.js';
import { JobDag } from './dag.js';
import { countsOf, describeCounts } from './statuses.js';
import { StatusBar } from './status-bar.js';
import { StepList } from './step-list.js';

/** Above this many steps a job is a summary and a list, not a drawing: dagre's layout grows faster than linearly, and nobody reads a DAG of 10,000 nodes. */
export const DAG_MAX_STEPS = 150;

export interface JobCardProps {
  batchId: string;
  jobId: string;
  steps: readonly DagStep[];
  /** false: the steps' dependencies are not read yet, so the DAG waits (a large job's list does not need them). */
  edgesKnown: boolean;
  entries: ReadonlyMap<string, StepEntry>;
  /** A variant job's caption, e.g. "variant 2 of fix". */
  caption?: string;
  onChanged: () => void;
}

/** One job: its counts, its DAG (or, when large, a summary with a list to open), and its cancel. */
export function JobCard({ batchId, jobId, steps, edgesKnown, entries, caption, onChanged }: JobCardProps) {
  const source = useSource();
  const [open, setOpen] = useState(false);
  const counts = useMemo(() => countsOf(steps.map((s) => entries.get(s.step_id)?.status ?? 'blocked')), [steps, entries]);
  const large = steps.length > DAG_MAX_STEPS;
  const unfinished = steps.length - counts.succeeded - counts.failed - counts.canceled;
  const stepIds = useMemo(() => (large ? steps.map((s) => s.step_id) : []), [steps, large]);
  return (
    <section class="job-card" data-job={jobId} aria-labelledby={`job-${jobId}`}>
      <header class="job-head">
        <h3 id={`job-${jobId}`} class="mono">
          {jobId}
        </h3>
        {caption && <span class="muted">{caption}</span>}
        <span class="muted">{steps.length === 1 ? '1 step' : `${steps.length} steps`}</span>
        <StatusBar counts={counts} />
        {unfinished > 0 && (
          <ActionButton
            label="Cancel job"
            danger
            question={
              <>
                Cancel the {unfinished} unfinished steps of job <code>{jobId}</code>?
              </>
            }
            run={() => act(source, 'cancel_run', { batch_id: batchId, job_id: jobId })}
            onDone={onChanged}
          />
        )}
      </header>
      {large ? (
        <div class="job-summary" data-collapsed="true">
          <p>
            {describeCounts(counts)}.{' '}
            <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
              {open ? 'Hide steps' : `Show all ${steps.length} steps`}
            </button>
          </p>
          {open && <StepList batchId={batchId} jobId={jobId} stepIds={stepIds} entries={entries} />}
        </div>
      ) : !edgesKnown ? (
        <p class="muted">Loading the steps’ dependencies…</p>
      ) : (
        <JobDag batchId={batchId} jobId={jobId} steps={steps} entries={entries} />
      )}
    </section>
  );
}
