import type { DamagedFile, StepCounts, SystemScoreboard } from '../core/index.js';
import type { RunsPaths } from '../store/index.js';
import { emptyCounts, isSettled } from './batch-scoreboard.js';

export interface BatchSummary {
  batch_id: string;
  submitted_at: string;
  steps_total: number;
  counts: StepCounts;
}

export type RunnerEntry = SystemScoreboard['runners'][number];

/** The system scoreboard of docs/spec.md §7: every batch with its counts and where its scoreboard is. */
export function buildSystemScoreboard(
  paths: RunsPaths,
  batches: BatchSummary[],
  runners: RunnerEntry[],
  damaged: DamagedFile[],
  now: string,
  landings: SystemScoreboard['landings'],
): SystemScoreboard {
  const counts = emptyCounts();
  for (const batch of batches) {
    for (const [status, n] of Object.entries(batch.counts)) counts[status as keyof StepCounts] += n;
  }
  return {
    computed_at: now,
    runs_root: paths.root,
    batches_total: batches.length,
    counts,
    batches: batches.map((b) => ({
      batch_id: b.batch_id,
      submitted_at: b.submitted_at,
      settled: isSettled(b.counts),
      steps_total: b.steps_total,
      counts: b.counts,
      scoreboard_uri: batchScoreboardUri(b.batch_id),
      scoreboard_path: paths.batchScoreboardFile(b.batch_id),
    })),
    runners,
    damaged,
    landings,
  };
}

export const SYSTEM_SCOREBOARD_URI = 'harness://scoreboard';

export function batchScoreboardUri(batchId: string): string {
  return `harness://batches/${encodeURIComponent(batchId)}/scoreboard`;
}
