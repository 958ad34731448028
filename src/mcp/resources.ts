import { ResourceTemplate, type McpServer, type ReadResourceResult } from '@modelcontextprotocol/server';
import { idProblem, InvalidArgumentError, isTerminal, RUN_ID_PATTERN } from '../core/index.js';
import { FINISHED, LIVE, UNCACHED } from './cache-hints.js';
import { batchScoreboardUri, SYSTEM_SCOREBOARD_URI } from '../scoreboard/index.js';
import { ARTIFACT_NAMES, readArtifactPage, type ArtifactName } from '../store/index.js';
import type { Harness } from '../harness/index.js';

const COMPLETIONS = 50;

function json(uri: string, value: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] };
}

/** Template variables arrive decoded from the URI; they are still checked like any id. */
function checkedId(value: string | string[] | undefined, field: string): string {
  const id = Array.isArray(value) ? value[0] : value;
  if (!id || idProblem(id)) throw new InvalidArgumentError(field, `\`${id ?? ''}\` is not a valid id`);
  return id;
}

/**
 * The resources of docs/spec.md §8.2: the system scoreboard, each batch's scoreboard and meta, and
 * every attempt artifact, listed and completable through resource templates.
 */
export function registerResources(server: McpServer, harness: Harness): void {
  const batchIds = async () => (await harness.reader.listBatches()).map((b) => b.batch_id);
  const completeBatch = async (prefix: string) => (await batchIds()).filter((id) => id.startsWith(prefix)).slice(0, COMPLETIONS);

  server.registerResource(
    'system-scoreboard',
    SYSTEM_SCOREBOARD_URI,
    { title: 'System scoreboard', description: 'Every batch with its counts, and the runner', mimeType: 'application/json', cacheHint: LIVE },
    async (uri) => json(uri.href, await harness.reader.systemScoreboard()),
  );

  server.registerResource(
    'batch-scoreboard',
    new ResourceTemplate('harness://batches/{batch_id}/scoreboard', {
      list: async () => ({
        resources: (await harness.reader.listBatches()).map((b) => ({
          uri: batchScoreboardUri(b.batch_id),
          name: `${b.batch_id} scoreboard`,
          mimeType: 'application/json',
        })),
      }),
      complete: { batch_id: completeBatch },
    }),
    {
      title: 'Batch scoreboard',
      description: 'Counts, attention, running, blocked and failure lists, and every step',
      mimeType: 'application/json',
      cacheHint: LIVE,
    },
    async (uri, variables) => json(uri.href, await harness.reader.batchScoreboard(checkedId(variables.batch_id, 'batch_id'), 'all')),
  );

  server.registerResource(
    'batch-meta',
    new ResourceTemplate('harness://batches/{batch_id}/meta', {
      list: async () => ({
        resources: (await batchIds()).map((id) => ({ uri: `harness://batches/${id}/meta`, name: `${id} batch_meta.json`, mimeType: 'application/json' })),
      }),
      complete: { batch_id: completeBatch },
    }),
    // The meta of a batch changes when a step is retried or a job landed.
    { title: 'Batch meta', description: 'batch_meta.json: the launch table as submitted and as planned', mimeType: 'application/json', cacheHint: LIVE },
    async (uri, variables) => json(uri.href, await harness.reader.batchMeta(checkedId(variables.batch_id, 'batch_id'))),
  );

  server.registerResource(
    'run-artifact',
    new ResourceTemplate('harness://runs/{run_id}/{name}', {
      // Attempts can number in the hundreds of thousands: they are found by completion, not listed.
      list: undefined,
      complete: {
        run_id: async (prefix) => {
          const runs = await harness.reader.systemScoreboard();
          const ids: string[] = [];
          for (const batch of runs.batches) {
            const board = await harness.reader.batchScoreboard(batch.batch_id, 'all');
            for (const step of board.steps) if (step.run_id?.startsWith(prefix)) ids.push(step.run_id);
            if (ids.length >= COMPLETIONS) break;
          }
          return ids.slice(0, COMPLETIONS);
        },
        name: (prefix) => ARTIFACT_NAMES.filter((n) => n.startsWith(prefix)),
      },
    }),
    {
      title: 'Attempt artifact',
      description: 'state, meta, final, changes (whole), or the last page of stdout, stderr, events, diff; fetch_artifact pages through the rest',
    },
    async (uri, variables) => {
      const runId = String(variables.run_id);
      const name = String(variables.name) as ArtifactName;
      if (!RUN_ID_PATTERN.test(runId)) throw new InvalidArgumentError('run_id', `\`${runId}\` is not a run id`);
      if (!ARTIFACT_NAMES.includes(name)) throw new InvalidArgumentError('name', `\`${name}\` is not one of ${ARTIFACT_NAMES.join(', ')}`);
      const { location, state } = await harness.reader.findAttempt(runId);
      const maxBytes = harness.configFile.limits.max_artifact_bytes;
      const first = await readArtifactPage(harness.paths, location, name, 0, maxBytes);
      // For logs the end is what matters; JSON files are small and come whole; a patch is read from its start.
      const page = first.eof || name === 'diff' ? first : await readArtifactPage(harness.paths, location, name, Math.max(0, first.size - maxBytes), maxBytes);
      const mimeType = name === 'events' ? 'application/x-ndjson' : name === 'stdout' || name === 'stderr' ? 'text/plain' : name === 'diff' ? 'text/x-diff' : 'application/json';
      return { contents: [{ uri: uri.href, mimeType, text: page.content }], ...(isTerminal(state.status) ? FINISHED : UNCACHED) };
    },
  );
}
