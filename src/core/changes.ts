import { z } from 'zod';
import { RunIdSchema } from './ids.js';

export const ChangedFileStatusSchema = z.enum(['added', 'modified', 'deleted', 'renamed', 'mode']);

export const ChangedFileSchema = z.strictObject({
  path: z.string(),
  old_path: z.string().nullable().describe('The path before, for a renamed file'),
  status: ChangedFileStatusSchema.describe('mode: only the file mode changed'),
  lines_added: z.int().min(0),
  lines_removed: z.int().min(0),
  binary: z.boolean().describe('A binary file: its lines are not counted and the patch only names it'),
});
export type ChangedFile = z.infer<typeof ChangedFileSchema>;

export const ChangeTotalsSchema = z.strictObject({ files: z.int().min(0), lines_added: z.int().min(0), lines_removed: z.int().min(0) });
export type ChangeTotals = z.infer<typeof ChangeTotalsSchema>;

/** The totals over a list of changed files. */
export function totalsOf(files: readonly ChangedFile[]): ChangeTotals {
  return files.reduce((t, f) => ({ files: t.files + 1, lines_added: t.lines_added + f.lines_added, lines_removed: t.lines_removed + f.lines_removed }), { files: 0, lines_added: 0, lines_removed: 0 });
}

/**
 * How the workspace was recorded: `branch` (an isolated git worktree, on the job's branch),
 * `refs` (a shared git working directory: commits kept under refs/harness/, no branch moved), or
 * `private` (a directory outside git: a repository of the harness's own under the job directory).
 */
export const SnapshotKindSchema = z.enum(['branch', 'refs', 'private']);
export type SnapshotKind = z.infer<typeof SnapshotKindSchema>;

/** changes.json of an attempt: what it changed in its workspace, from its start to its end. */
export const ChangeRecordSchema = z.strictObject({
  run_id: RunIdSchema,
  kind: SnapshotKindSchema,
  repository: z.string().describe('The git directory the commits are in'),
  base: z.string().describe('Commit of the workspace as the attempt started'),
  head: z.string().describe('Commit of the workspace as it ended; equal to base when nothing changed'),
  branch: z.string().nullable().describe('The job branch the head commit is on (isolated git workspaces)'),
  refs: z.strictObject({ start: z.string(), end: z.string() }).describe('The refs under refs/harness/ that keep base and head'),
  files: z.array(ChangedFileSchema),
  totals: ChangeTotalsSchema,
  overlapped_with: z.array(RunIdSchema).describe('Attempts that ran in the same workspace meanwhile: their changes may be mixed into this diff'),
  nested_repositories: z
    .array(z.string())
    .describe('Git repositories inside the workspace, not recorded: git keeps only a link to one, and refuses one with no commit'),
  written_at: z.iso.datetime(),
});
export type ChangeRecord = z.infer<typeof ChangeRecordSchema>;

/** What state.json and the scoreboard carry of an attempt's change. */
export const ChangeSummarySchema = z.strictObject({
  start_commit: z.string(),
  end_commit: z.string(),
  ...ChangeTotalsSchema.shape,
});
export type ChangeSummary = z.infer<typeof ChangeSummarySchema>;
