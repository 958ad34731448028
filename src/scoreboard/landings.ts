import type { BatchScoreboard, LandedFile, SystemScoreboard } from '../core/index.js';
import type { BatchRecord } from '../batch/index.js';

const RECENT_LANDINGS = 5;

/** The batch scoreboard's `landed`: each landed job's newest landing, in the batch's job order. */
export function landedEntries(jobIds: readonly string[], landed: ReadonlyMap<string, LandedFile>, limit: number): BatchScoreboard['landed'] {
  const items = jobIds.flatMap((jobId) => {
    const file = landed.get(jobId);
    const last = file?.landings.at(-1);
    return last ? [{ job_id: jobId, onto: last.onto, strategy: last.strategy, result: last.result, commit: last.commit, landed_at: last.landed_at, landings: file!.landings.length }] : [];
  });
  return { total: items.length, items: items.slice(0, limit) };
}

/** The system scoreboard's `landings`: how many jobs were landed, and the newest few landings of all. */
export function systemLandings(records: readonly BatchRecord[]): SystemScoreboard['landings'] {
  let jobsLanded = 0;
  const recent: SystemScoreboard['landings']['recent'] = [];
  for (const record of records) {
    for (const file of record.landed.values()) {
      jobsLanded++;
      for (const l of file.landings) recent.push({ batch_id: file.batch_id, job_id: file.job_id, onto: l.onto, commit: l.commit, landed_at: l.landed_at });
    }
  }
  recent.sort((a, b) => (a.landed_at < b.landed_at ? 1 : a.landed_at > b.landed_at ? -1 : 0));
  return { jobs_landed: jobsLanded, recent: recent.slice(0, RECENT_LANDINGS) };
}
