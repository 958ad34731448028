import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema, VariantComparisonSchema, type VariantComparison } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

export const CompareVariantsInput = z.object({
  batch_id: IdSchema,
  job_id: IdSchema.describe('The job as submitted with `variants`, such as `try` (not `try.v1`)'),
});

export const CompareVariantsOutput = z.object(VariantComparisonSchema.shape);

export function registerCompareVariants(server: McpServer, harness: Harness): void {
  server.registerTool(
    'compare_variants',
    {
      title: 'Compare variants',
      description:
        'The variants of a job submitted with `variants` side by side: status, the report summary of the last step, files and ' +
        'lines changed (base..branch), duration, tokens and cost, each command step’s exit code (tests), and whether it was landed. ' +
        'land_job lands the one you choose.',
      inputSchema: portable(CompareVariantsInput),
      outputSchema: portable(CompareVariantsOutput),
      annotations: { readOnlyHint: true },
    },
    (args) =>
      answer(async () => {
        const comparison = await harness.compareVariants(args.batch_id, args.job_id);
        return toolResult(comparison, describeComparison(comparison));
      }),
  );
}

/** compare_variants as text: one line a variant. */
export function describeComparison(c: VariantComparison): string {
  const lines = c.variants.map((v) => {
    const changes = v.changes ? `${v.changes.files} files +${v.changes.lines_added} -${v.changes.lines_removed}` : 'no change recorded';
    const commands = v.commands.map((s) => `${s.step_id} ${s.status}${s.exit_code === null ? '' : ` (exit ${s.exit_code})`}`).join(', ');
    return `${v.job_id}: ${v.status}; ${changes}${commands ? `; ${commands}` : ''}${v.landed ? `; landed on ${v.landed.onto}` : ''}${v.summary ? ` — ${v.summary}` : ''}`;
  });
  return `${c.job_id} in ${c.batch_id}, ${c.variants.length} variants:\n${lines.join('\n')}`;
}
