import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { ChangedFileSchema, ChangeTotalsSchema, IdSchema, InvalidArgumentError, RunIdSchema, SnapshotKindSchema } from '../../core/index.js';
import type { ChangesAnswer, Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

const DEFAULT_PAGE_BYTES = 64 * 1024;
// A change of thousands of files would fill a model's context with its list alone: the list
// is cut here (totals still count every file) and `paths` narrows it.
const FILES_LISTED = 200;
const PATHS_GIVEN = 100;

export const GetChangesInput = z.object({
  run_id: RunIdSchema.optional().describe('One attempt; or give batch_id and job_id (and step_id) instead'),
  batch_id: IdSchema.optional(),
  job_id: IdSchema.optional(),
  step_id: IdSchema.optional().describe('The step’s latest attempt; without it, the job’s branch as a whole (base..branch, for an isolated job in git)'),
  include_patch: z.boolean().optional().describe('Also answer one page of the unified patch (default false)'),
  paths: z
    .array(z.string().min(1))
    .min(1)
    .max(PATHS_GIVEN)
    .optional()
    .describe('Only these files, or the files below these directories (paths relative to the repository), in the list, the totals and the patch'),
  patch_offset: z.int().min(0).optional().describe('Byte offset in the patch to read from (next_offset of the previous page)'),
  max_patch_bytes: z.int().min(16).optional().describe(`Bytes of patch to answer at most (default ${DEFAULT_PAGE_BYTES}; capped by limits.max_artifact_bytes)`),
});

export const GetChangesOutput = z.object({
  scope: z.enum(['attempt', 'job']).describe('attempt: one attempt’s changes.json; job: the job’s branch, base..tip, as git has it now'),
  batch_id: IdSchema,
  job_id: IdSchema,
  step_id: IdSchema.nullable(),
  run_id: RunIdSchema.nullable(),
  kind: SnapshotKindSchema,
  repository: z.string().describe('The git directory the commits are in'),
  branch: z.string().nullable(),
  base: z.string(),
  head: z.string(),
  totals: ChangeTotalsSchema.describe('Over every file the answer is about (named by paths, when given)'),
  files: z.array(ChangedFileSchema).describe(`Up to ${FILES_LISTED}; totals.files says how many there are`),
  overlapped_with: z.array(RunIdSchema).describe('Attempts that ran in the same workspace meanwhile: their changes may be mixed into this one'),
  patch: z
    .object({ content: z.string(), offset: z.int(), next_offset: z.int(), size: z.int(), eof: z.boolean() })
    .optional()
    .describe('With include_patch: one page of the unified patch (pass next_offset back as patch_offset until eof)'),
});

/** A short text rendering: the commits, a line per file, and the page of the patch. */
export function renderChanges(changes: ChangesAnswer, files: ChangesAnswer['files']): string {
  const what = changes.scope === 'job' ? `job ${changes.job_id} (${changes.branch})` : `run ${changes.run_id} (${changes.job_id}/${changes.step_id})`;
  const { totals } = changes;
  const lines = [`${what}: ${changes.base.slice(0, 12)}..${changes.head.slice(0, 12)}, ${totals.files} files, +${totals.lines_added} -${totals.lines_removed}`];
  for (const f of files) lines.push(`  ${f.status.padEnd(8)} ${f.binary ? 'binary' : `+${f.lines_added} -${f.lines_removed}`}  ${f.old_path ? `${f.old_path} → ` : ''}${f.path}`);
  if (files.length < totals.files) lines.push(`  … and ${totals.files - files.length} more (narrow with paths)`);
  const page = changes.patch;
  if (page) lines.push(`patch bytes ${page.offset}–${page.next_offset} of ${page.size}${page.eof ? ' (end)' : ''}:`, page.content);
  return lines.join('\n');
}

export function registerGetChanges(server: McpServer, harness: Harness): void {
  const limit = harness.configFile.limits.max_artifact_bytes;
  server.registerTool(
    'get_changes',
    {
      title: 'Get what a step or job changed',
      description:
        'The files an attempt changed in its workspace (by run_id, or batch_id + job_id + step_id for the step’s latest), or an isolated ' +
        'job’s branch as a whole (batch_id + job_id: base..branch), with lines added and removed; include_patch adds a page of the ' +
        'unified patch (pass next_offset back as patch_offset until eof); paths narrows both to some files or directories.',
      inputSchema: portable(GetChangesInput),
      outputSchema: portable(GetChangesOutput),
      annotations: { readOnlyHint: true },
    },
    (args) =>
      answer(async () => {
        if (args.max_patch_bytes !== undefined && args.max_patch_bytes > limit) {
          throw new InvalidArgumentError('max_patch_bytes', `${args.max_patch_bytes} is over the limit of ${limit} (limits.max_artifact_bytes); read in pages with patch_offset`);
        }
        if (!args.include_patch && (args.patch_offset !== undefined || args.max_patch_bytes !== undefined)) {
          throw new InvalidArgumentError('patch_offset', 'pages the patch: give it with include_patch: true');
        }
        const changes = await harness.changes({
          ...args,
          include_patch: args.include_patch ?? false,
          patch_offset: args.patch_offset ?? 0,
          max_patch_bytes: args.max_patch_bytes ?? Math.min(DEFAULT_PAGE_BYTES, limit),
        });
        const { patch, ...rest } = changes;
        const files = changes.files.slice(0, FILES_LISTED);
        return toolResult({ ...rest, files, ...(patch && { patch }) }, renderChanges(changes, files));
      }),
  );
}
