import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { z } from 'zod';
import { AgentNameSchema, BudgetOverrideSchema, canonicalJson, HarnessError, IdSchema, LandStrategySchema, nowIso, RunIdSchema } from '../core/index.js';
import { writeJsonAtomic, type RunsPaths } from '../store/index.js';

// Carried out again if replayed after a crash: the job's branch is then already there, so it answers up_to_date.
export const LandRequestSchema = z.strictObject({
  op: z.literal('land'),
  batch_id: IdSchema,
  job_id: IdSchema,
  onto: z.string().min(1),
  strategy: LandStrategySchema,
  message: z.string().min(1).optional(),
  dry_run: z.boolean(),
  create: z.boolean(),
});
export type LandRequest = z.infer<typeof LandRequestSchema>;

/** A request a terminal command leaves for the server that owns the runs root. */
export const ControlRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('cancel'),
    run_id: RunIdSchema.optional(),
    batch_id: IdSchema.optional(),
    job_id: IdSchema.optional(),
    step_id: IdSchema.optional(),
  }),
  z.strictObject({ op: z.literal('retry'), batch_id: IdSchema, job_id: IdSchema, step_id: IdSchema, cascade: z.boolean().optional() }),
  LandRequestSchema,
  z.strictObject({ op: z.literal('release_pool'), agent: AgentNameSchema, profile: z.string().min(1).max(200).optional() }),
  // Carried out again if replayed after a crash: it sets the same limits, so nothing changes.
  z.strictObject({ op: z.literal('set_budget'), batch_id: IdSchema, job_id: IdSchema.optional(), step_id: IdSchema.optional(), ...BudgetOverrideSchema.shape }),
]);
export type ControlRequest = z.infer<typeof ControlRequestSchema>;

/**
 * A control request's problems, one `field: message` a line (never zod's raw issue list);
 * `label` names a field in the caller's words (default: its path).
 */
export function describeControlProblems(error: z.ZodError, label: (path: PropertyKey[]) => string = (path) => path.join('.') || '(request)'): string {
  return error.issues.map((issue) => `${label(issue.path)}: ${issue.message}`).join('\n');
}

export type ControlResponse = { ok: true; result: unknown; at: string } | { ok: false; code: string; message: string; at: string };

const REQUEST = /^[A-Za-z0-9-]{1,64}\.request\.json$/;

/**
 * The run id of the attempt a retry request makes: derived from the request's id and content,
 * so the attempt itself is the durable record that the request was carried out. A server that
 * died after making it and before removing the request file finds it at the next start and
 * answers the replayed request without making another (docs/spec.md §8.3).
 */
export function runIdOfRetry(requestId: string, request: ControlRequest): string {
  return createHash('sha256').update(`retry\0${requestId}\0${canonicalJson(request)}`).digest('hex').slice(0, 16);
}

/**
 * Requests in runs/_system/queue/control/<id>.request.json, carried out by the server that owns
 * the runs root and answered in <id>.response.json: how `harness-mcp cancel`, `retry`, `land` and `budget` reach it.
 * A request is carried out once, even when a crash makes the next server see it again: a retry
 * through runIdOfRetry, and a cancel because cancelling what has ended changes nothing. The
 * request file goes only after its response is written.
 */
export class ControlInbox {
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly dir: string,
    private readonly handle: (request: ControlRequest, requestId: string) => Promise<unknown>,
  ) {}

  static dirOf(paths: RunsPaths): string {
    return paths.controlDir;
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.watcher = watch(this.dir, { depth: 0, ignoreInitial: false, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 } });
    this.watcher.on('add', (path) => void this.answer(path));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
  }

  private async answer(path: string): Promise<void> {
    const name = basename(path);
    if (!REQUEST.test(name)) return;
    const responsePath = join(this.dir, name.replace(/\.request\.json$/, '.response.json'));
    let response: ControlResponse;
    try {
      const request = ControlRequestSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
      if (!request.success) {
        response = { ok: false, code: 'invalid_request', message: describeControlProblems(request.error), at: nowIso() };
      } else {
        response = { ok: true, result: await this.handle(request.data, name.replace(/\.request\.json$/, '')), at: nowIso() };
      }
    } catch (error) {
      // The requests come from terminal commands, so the message is the terminal's.
      if (error instanceof HarnessError) response = { ok: false, code: error.code, message: error.cliMessage, at: nowIso() };
      else response = { ok: false, code: 'invalid_request', message: (error as Error).message, at: nowIso() };
    }
    await writeJsonAtomic(responsePath, response);
    await rm(path, { force: true });
  }
}
