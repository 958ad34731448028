import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema, InvalidArgumentError, RunIdSchema } from '../../core/index.js';
import { ARTIFACT_NAMES, readArtifactPage, type AttemptLocation } from '../../store/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

const DEFAULT_PAGE_BYTES = 64 * 1024;

export const ArtifactAddress = {
  run_id: RunIdSchema.optional().describe('The attempt; or give batch_id, job_id and step_id for the step’s latest attempt'),
  batch_id: IdSchema.optional(),
  job_id: IdSchema.optional(),
  step_id: IdSchema.optional(),
};

export const FetchArtifactInput = z.object({
  ...ArtifactAddress,
  name: z.enum(ARTIFACT_NAMES).describe('state, meta, final, changes (JSON); stdout, stderr (logs); events (JSONL); diff (the unified patch of what the attempt changed)'),
  offset: z.int().min(0).optional().describe('Byte offset to read from (next_offset of the previous page)'),
  max_bytes: z.int().min(16).optional().describe(`Bytes to read at most (default ${DEFAULT_PAGE_BYTES}; capped by limits.max_artifact_bytes)`),
});

export const FetchArtifactOutput = z.object({
  run_id: RunIdSchema,
  name: z.enum(ARTIFACT_NAMES),
  content: z.string(),
  offset: z.int(),
  next_offset: z.int(),
  size: z.int(),
  eof: z.boolean(),
});

/** The attempt an artifact request names: by run_id, or the latest attempt of a step. */
export async function resolveAttempt(
  harness: Harness,
  args: { run_id?: string | undefined; batch_id?: string | undefined; job_id?: string | undefined; step_id?: string | undefined },
): Promise<AttemptLocation> {
  if (args.run_id) {
    if (args.batch_id || args.job_id || args.step_id) throw new InvalidArgumentError('run_id', 'give run_id alone, or batch_id, job_id and step_id instead of it');
    return harness.reader.locateRun(args.run_id);
  }
  if (!args.batch_id || !args.job_id || !args.step_id) throw new InvalidArgumentError('run_id', 'give run_id, or all of batch_id, job_id and step_id');
  return harness.reader.latestRun(args.batch_id, args.job_id, args.step_id);
}

export function registerFetchArtifact(server: McpServer, harness: Harness): void {
  const limit = harness.configFile.limits.max_artifact_bytes;
  server.registerTool(
    'fetch_artifact',
    {
      title: 'Fetch an artifact',
      description:
        'Reads a file of an attempt (state, meta, final, stdout, stderr, events, changes, diff) by byte offset, one page at a time: ' +
        'pass next_offset back until eof. Address the attempt by run_id, or by batch_id + job_id + step_id for the latest.',
      inputSchema: portable(FetchArtifactInput),
      outputSchema: portable(FetchArtifactOutput),
      annotations: { readOnlyHint: true },
    },
    (args) =>
      answer(async () => {
        if (args.max_bytes !== undefined && args.max_bytes > limit) {
          throw new InvalidArgumentError('max_bytes', `${args.max_bytes} is over the limit of ${limit} (limits.max_artifact_bytes); read in pages with offset`);
        }
        const location = await resolveAttempt(harness, args);
        const page = await readArtifactPage(harness.paths, location, args.name, args.offset ?? 0, args.max_bytes ?? Math.min(DEFAULT_PAGE_BYTES, limit));
        const runId = harness.paths.runIdOf(location);
        const result = { run_id: runId, name: args.name, ...page };
        const text = `${args.name} of run ${runId}, bytes ${page.offset}–${page.next_offset} of ${page.size}${page.eof ? ' (end)' : ''}:\n${page.content}`;
        return toolResult(result, text);
      }),
  );
}
