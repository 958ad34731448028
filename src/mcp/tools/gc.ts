import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { confirmation } from '../confirmation.js';
import { portable } from '../portable-schema.js';

const JobBranchOutput = z.object({
  repository: z.string(),
  branch: z.string(),
  batch_id: z.string(),
  job_id: z.string(),
  tip: z.string().nullable(),
  landed: z.boolean().describe('A landing recorded it at this tip, or its tip is on a branch outside harness/'),
  reachable: z.boolean().describe('false while its repository cannot be read (moved, unmounted): the branch may still be there'),
});

export const GcOutput = z.object({
  dry_run: z.boolean(),
  removed: z.array(
    z.object({
      batch_id: z.string(),
      path: z.string(),
      bytes: z.int(),
      worktrees: z.array(z.string()),
      branches: z.array(z.object({ repository: z.string(), branch: z.string(), batch_id: z.string(), job_id: z.string() })),
    }),
  ),
  bytes_total: z.int(),
  branches_left: z.array(JobBranchOutput).describe('Job branches of removed batches that stay in their repositories, with every commit'),
  branches_pruned: z.array(JobBranchOutput).describe('Job branches deleted (with dry_run: that would be)'),
  refused: z.array(z.object({ batch_id: z.string(), reason: z.string() })).describe('Batches kept whole: what a worktree of theirs holds could not be committed first'),
});

export const GcInput = z.object({
  dry_run: z.boolean().optional().describe('List what would go, and the bytes, without removing it'),
  prune_branches: z
    .union([z.boolean(), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe('true: delete the landed branches of removed batches; a list: delete exactly those branches'),
  confirm: z.boolean().optional().describe('Ask the user to confirm before anything is removed (the client must be able to elicit)'),
});

type GcResult = Awaited<ReturnType<Harness['collectGarbage']>>;

function describeGc(result: GcResult): string {
  const verb = result.dry_run ? 'Would remove' : 'Removed';
  const unlanded = result.branches_left.filter((b) => !b.landed).length;
  const branches = `${result.branches_left.length} job branches left (${unlanded} not landed)${result.branches_pruned.length ? `, ${result.branches_pruned.length} ${result.dry_run ? 'would be ' : ''}deleted` : ''}`;
  return `${verb} ${result.removed.length} batches, ${result.bytes_total} bytes${result.removed.length ? `: ${result.removed.map((r) => r.batch_id).join(', ')}` : ''}; ${branches}.`;
}

/**
 * The key the user's answer is filed under names what it was asked about: a yes to removing one
 * set of batches and branches is no yes to another. When a batch settles between the question
 * and the answer, the set the call is about to remove differs, so the answer is not found and
 * the user is asked again about the new set.
 */
function confirmationKey(preview: GcResult): string {
  const what = JSON.stringify([preview.removed.map((r) => r.batch_id).sort(), preview.branches_pruned.map((b) => `${b.repository} ${b.branch}`).sort()]);
  return `gc_confirm_${createHash('sha256').update(what).digest('hex').slice(0, 16)}`;
}

export function registerGc(server: McpServer, harness: Harness): void {
  server.registerTool(
    'gc',
    {
      title: 'Collect garbage',
      description:
        'Removes batches that are settled and idle past retention_policy.keep_closed_batches_days (their directories, ' +
        'attempts and isolated git worktrees), never a resume base an open batch refers to. Job branches stay, so no ' +
        'commit is lost: the answer lists the ones left (branches_left, landed or not). prune_branches: true deletes ' +
        'the landed ones among them, or a list deletes exactly those. dry_run: true only lists what would go. ' +
        'confirm: true asks the user first (an elicitation the client shows), naming what would go; declined, it ' +
        'answers the dry run and removes nothing.',
      inputSchema: portable(GcInput),
      outputSchema: portable(GcOutput),
      annotations: { destructiveHint: true },
    },
    ({ dry_run, prune_branches, confirm }, ctx) =>
      answer(async () => {
        const pruning = prune_branches === true ? 'landed' : Array.isArray(prune_branches) ? prune_branches : 'none';
        if (confirm && !dry_run) {
          const preview = await harness.collectGarbage(true, pruning);
          const asked = confirmation(ctx, confirmationKey(preview), `${describeGc(preview)} Go ahead?`);
          if (asked === 'declined') return toolResult(preview, `Not confirmed; nothing removed. ${describeGc(preview)}`);
          if (asked !== 'confirmed') return asked;
        }
        const result = await harness.collectGarbage(dry_run ?? false, pruning);
        return toolResult(result, describeGc(result));
      }),
  );
}
