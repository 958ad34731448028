import type { StepEntry } from '../../../src/core/scoreboard.js';
import { hrefOf } from '../routes.js';
import { describeStep } from './dag.js';
import { statusLabel } from './statuses.js';
import { VirtualList } from './virtual-list.js';

const ROW_HEIGHT = 28;
const LIST_HEIGHT = 420;

export interface StepListProps {
  batchId: string;
  jobId: string;
  stepIds: readonly string[];
  entries: ReadonlyMap<string, StepEntry>;
}

/** A large job's steps as a scrolling list that draws only the rows in view. */
export function StepList({ batchId, jobId, stepIds, entries }: StepListProps) {
  return (
    <VirtualList
      count={stepIds.length}
      rowHeight={ROW_HEIGHT}
      height={LIST_HEIGHT}
      label={`Steps of job ${jobId}`}
      renderRow={(index) => {
        const stepId = stepIds[index]!;
        const entry = entries.get(stepId);
        const status = entry?.status ?? 'blocked';
        return (
          <a
            class="step-row"
            href={hrefOf({ view: 'step', batchId, jobId, stepId })}
            data-step={`${jobId}/${stepId}`}
            data-status={status}
            title={describeStep(stepId, entry)}
          >
            <span class={`status status-${status}`}>{statusLabel(status)}</span>
            <span class="mono">{stepId}</span>
            {entry?.blocked_reasons.length ? <span class="muted step-row-reason">{entry.blocked_reasons[0]}</span> : null}
          </a>
        );
      }}
    />
  );
}
