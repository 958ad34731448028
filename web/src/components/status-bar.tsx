import type { StepCounts } from '../../../src/core/scoreboard.js';
import { describeCounts, STATUSES, statusLabel } from './statuses.js';

/** A batch's or a job's counts as one bar, a segment per status as wide as its share; its text is the counts in words. */
export function StatusBar({ counts }: { counts: StepCounts }) {
  const total = STATUSES.reduce((sum, s) => sum + counts[s], 0);
  const label = describeCounts(counts);
  return (
    <div class="status-bar" role="img" aria-label={label} title={label}>
      {total > 0 &&
        STATUSES.filter((s) => counts[s] > 0).map((s) => (
          <span key={s} class={`status-bar-part status-${s}`} style={{ flexGrow: counts[s] }} title={`${counts[s]} ${statusLabel(s)}`} />
        ))}
    </div>
  );
}
