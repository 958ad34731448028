import type { ChangesAnswer } from '../harness/index.js';
import { openHarness, orFail, printJson, type StoreOptions } from './common.js';

const PAGE_BYTES = 256 * 1024;

/** `harness-mcp diff BATCH JOB [STEP] [--stat] [--json]`: the patch of a step's latest attempt, or of a job's branch as a whole. */
export async function diff(batchId: string, jobId: string, stepId: string | undefined, options: StoreOptions & { stat?: boolean; json?: boolean }): Promise<void> {
  const harness = await openHarness(options, { readOnly: true });
  await orFail(async () => {
    const ask = (offset: number, includePatch: boolean) =>
      harness.changes({ batch_id: batchId, job_id: jobId, step_id: stepId, include_patch: includePatch, patch_offset: offset, max_patch_bytes: PAGE_BYTES });
    if (options.stat || options.json) {
      const changes = await ask(0, false);
      if (options.json) return printJson({ ...changes, patch: undefined });
      for (const line of statLines(changes)) process.stdout.write(`${line}\n`);
      return;
    }
    // Page by page, so that a patch of any size is printed without being held whole.
    for (let offset = 0; ; ) {
      const page = (await ask(offset, true)).patch!;
      process.stdout.write(page.content);
      if (page.eof) break;
      offset = page.next_offset;
    }
  });
  await harness.close();
}

/** One line per file (status, lines added and removed, path), then the totals, as `git diff --stat` would sum them. */
export function statLines(changes: ChangesAnswer): string[] {
  const rows = changes.files.map((f) => ({ status: f.status, counts: f.binary ? 'binary' : `+${f.lines_added} -${f.lines_removed}`, path: f.old_path ? `${f.old_path} → ${f.path}` : f.path }));
  const width = Math.max(0, ...rows.map((r) => r.counts.length));
  const { totals } = changes;
  const range = `${changes.base.slice(0, 12)}..${changes.head.slice(0, 12)}`;
  const what = changes.scope === 'job' ? `branch ${changes.branch}` : `run ${changes.run_id}`;
  return [
    ...rows.map((r) => ` ${r.status.padEnd(8)} ${r.counts.padStart(width)}  ${r.path}`),
    ` ${totals.files} file${totals.files === 1 ? '' : 's'} changed, ${totals.lines_added} insertion${totals.lines_added === 1 ? '' : 's'}(+), ${totals.lines_removed} deletion${totals.lines_removed === 1 ? '' : 's'}(-) (${what}, ${range})`,
  ];
}
