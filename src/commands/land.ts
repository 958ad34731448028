import { describeLanding } from '../mcp/index.js';
import { describeControlProblems, LandRequestSchema, type LandRequest } from '../queue/index.js';
import { RunsLock } from '../store/index.js';
import { control } from './control.js';
import { fail, openHarness, orFail, printJson, runsPathsOf, type StoreOptions } from './common.js';

export interface LandOptions extends StoreOptions {
  onto: string;
  strategy?: string;
  message?: string;
  dryRun?: boolean;
  create?: boolean;
  json?: boolean;
}

/**
 * `harness-mcp land BATCH JOB --onto BRANCH`: lands a job's branch (the land_job tool, from a
 * terminal). The server that runs the root does it, through its control inbox; with no server,
 * this command takes the root for the moment it needs (no attempt starts) and lands itself.
 */
export async function land(batchId: string, jobId: string, options: LandOptions): Promise<void> {
  const request = {
    op: 'land',
    batch_id: batchId,
    job_id: jobId,
    onto: options.onto,
    strategy: options.strategy ?? 'merge',
    ...(options.message === undefined ? {} : { message: options.message }),
    dry_run: options.dryRun ?? false,
    create: options.create ?? false,
  };
  const parsed = LandRequestSchema.safeParse(request);
  if (!parsed.success) fail(describeControlProblems(parsed.error, (path) => `${ARGUMENTS[String(path[0])] ?? path.join('.')} \`${String(request[path[0] as keyof typeof request])}\``));
  return landParsed(parsed.data, options);
}

const ARGUMENTS: Record<string, string> = { batch_id: 'BATCH', job_id: 'JOB', onto: '--onto', strategy: '--strategy', message: '--message' };

async function landParsed(request: LandRequest, options: LandOptions): Promise<void> {
  const paths = await runsPathsOf(options);
  if (await RunsLock.isHeld(paths)) return control(request, options);
  // A dry run records nothing, so it only reads the root; a landing writes landed.json and so holds it.
  const harness = await openHarness(options, { dispatch: false, readOnly: request.dry_run });
  const result = await orFail(() => harness.land(request));
  await harness.close();
  if (options.json) return printJson(result);
  for (const line of describeLanding(result)) process.stdout.write(`${line}\n`);
}
