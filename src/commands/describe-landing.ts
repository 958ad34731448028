import type { LandJobAnswer } from '../harness/index.js';

/** What `harness-mcp land` prints of a landing: what happened (or would), and where the branch is now. */
export function describeLanding(r: Pick<LandJobAnswer, 'dry_run' | 'result' | 'branch' | 'onto' | 'commit' | 'old_commit' | 'created' | 'checkout_updated' | 'job_status'>): string[] {
  const lines: string[] = [];
  const would = r.dry_run ? 'would ' : '';
  if (r.result === 'up_to_date') lines.push(`${r.onto} already has ${r.branch}: nothing to land`);
  else lines.push(`${r.branch} ${r.dry_run ? 'would land' : 'landed'} on ${r.onto} (${r.result.replace('_', '-')})`);
  if (r.created) lines.push(`${r.onto} ${would}${r.dry_run ? 'be ' : 'was '}created at the job's base commit`);
  lines.push(`${r.onto}: ${r.old_commit ? `${r.old_commit.slice(0, 12)} → ` : ''}${r.commit.slice(0, 12)}`);
  if (r.checkout_updated) lines.push(`checkout ${r.checkout_updated} ${r.dry_run ? 'would move' : 'moved'} along`);
  if (r.job_status !== 'succeeded') lines.push(`note: the job is ${r.job_status}`);
  if (r.dry_run) lines.push('dry run: nothing changed');
  return lines;
}
