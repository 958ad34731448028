import { useState } from 'preact/hooks';
import { act } from '../data/source.js';
import { useSource } from '../data/use-live.js';
import { ActionButton } from './action-button.js';

export interface StepActionsProps {
  batchId: string;
  jobId: string;
  stepId: string;
  /** The step may still run (blocked, ready, running): it can be canceled. */
  cancelable: boolean;
  /** Not queued or running: it can be retried. */
  retryable: boolean;
  onDone(): void;
}

/** Cancel and retry of one step, each through its tool, each after a confirmation. */
export function StepActions({ batchId, jobId, stepId, cancelable, retryable, onDone }: StepActionsProps) {
  const source = useSource();
  const [cascade, setCascade] = useState(false);
  if (!source.canAct) return null;
  const step = { batch_id: batchId, job_id: jobId, step_id: stepId };
  return (
    <div class="step-actions" role="group" aria-label="Step actions">
      {cancelable && <ActionButton label="Cancel step" danger question={`Cancel step ${jobId}/${stepId}? A running attempt is killed; its dependents will not start.`} run={() => act(source, 'cancel_run', step)} onDone={onDone} />}
      {retryable && (
        <>
          <ActionButton
            label="Retry step"
            question={`Run ${jobId}/${stepId} again${cascade ? ', and then every step that depends on it' : ''}?`}
            run={() => act(source, 'retry_step', { ...step, cascade })}
            onDone={onDone}
          />
          <label class="step-cascade">
            <input type="checkbox" checked={cascade} onChange={(e) => setCascade((e.target as HTMLInputElement).checked)} /> cascade (its dependents too)
          </label>
        </>
      )}
    </div>
  );
}
