import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NoServerError } from '../core/index.js';
import { CancelRunOutput, describeLanding, describeRelease, LandJobOutput, ReleasePoolOutput, RetryStepOutput, SetBudgetOutput } from '../mcp/index.js';
import { ControlInbox, ControlRequestSchema, describeControlProblems, type ControlRequest, type ControlResponse } from '../queue/index.js';
import { createOwnerCheck, EXIT, fail, failWith, printJson, requireServer, runsPathsOf, type StoreOptions } from './common.js';

const ANSWER_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

/** How the command line names each field of a request, for messages about them. */
const ARGUMENT_NAMES: Record<ControlRequest['op'], Record<string, string>> = {
  cancel: { run_id: 'RUN_ID', batch_id: '--batch', job_id: '--job', step_id: '--step' },
  retry: { batch_id: 'BATCH', job_id: 'JOB', step_id: 'STEP' },
  land: { batch_id: 'BATCH', job_id: 'JOB', onto: '--onto', strategy: '--strategy', message: '--message' },
  release_pool: { agent: 'AGENT', profile: '--profile' },
  set_budget: { batch_id: 'BATCH', job_id: '--job', step_id: '--step', max_tokens: '--max-tokens', max_cost_usd: '--max-cost-usd', max_wall_seconds: '--max-wall-seconds' },
};

/** The request's problems in the command line's words, or undefined when it can be sent. */
function requestProblem(request: ControlRequest): string | undefined {
  const parsed = ControlRequestSchema.safeParse(request);
  if (!parsed.success) {
    return describeControlProblems(parsed.error, (path) => {
      const field = String(path[0] ?? '');
      if (path.length !== 1) return path.join('.') || '(request)';
      return `${ARGUMENT_NAMES[request.op][field] ?? field} \`${String((request as Record<string, unknown>)[field])}\``;
    });
  }
  if (request.op === 'set_budget') {
    if (request.step_id && !request.job_id) return '--step needs --job';
    if (request.max_tokens === undefined && request.max_cost_usd === undefined && request.max_wall_seconds === undefined) return 'budget needs --max-tokens, --max-cost-usd or --max-wall-seconds (a number, or none to remove the limit)';
    return undefined;
  }
  if (request.op !== 'cancel') return undefined;
  if (!request.run_id && !request.batch_id) return 'cancel needs RUN_ID, or --batch (with --job and --step to narrow it)';
  if (request.run_id && request.batch_id) return 'cancel takes RUN_ID or --batch, not both';
  if (request.step_id && !request.job_id) return '--step needs --job';
  return undefined;
}

function printAnswer(request: ControlRequest, result: unknown): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (request.op === 'land') {
    for (const line of describeLanding(LandJobOutput.parse(result))) out(line);
    return;
  }
  if (request.op === 'release_pool') {
    for (const line of describeRelease(request.agent, request.profile, ReleasePoolOutput.parse(result))) out(line);
    return;
  }
  if (request.op === 'set_budget') {
    const { level, budget, held_before, held_after } = SetBudgetOutput.parse(result);
    const where = level === 'batch' ? request.batch_id : level === 'job' ? `${request.batch_id} ${request.job_id}` : `${request.batch_id} ${request.job_id}/${request.step_id}`;
    const limits = budget ? Object.entries(budget).map(([k, v]) => `${k} ${v}`).join(', ') : 'no limit';
    out(`budget of ${where}: ${limits}`);
    if (held_before > held_after) out(`released ${held_before - held_after} held step(s)`);
    if (held_after > 0) out(`still held by a spent budget: ${held_after} step(s)`);
    return;
  }
  if (request.op === 'retry') {
    const { run_ids, cascade_steps } = RetryStepOutput.parse(result);
    out(`retrying ${request.batch_id} ${request.job_id}/${request.step_id} as run ${run_ids.join(', ')}`);
    const after = cascade_steps.filter((s) => s !== request.step_id);
    if (after.length) out(`then again, once it succeeds: ${after.join(', ')}`);
    return;
  }
  const { canceled, already_terminal } = CancelRunOutput.parse(result);
  if (canceled.length) out(`canceled ${canceled.length}: ${canceled.join(', ')}`);
  if (already_terminal.length) out(`already over ${already_terminal.length}: ${already_terminal.join(', ')}`);
  if (!canceled.length && !already_terminal.length) out('nothing to cancel');
}

/**
 * Asks the server that owns the runs root to carry out a request (cancel, retry, land, budget, release a pool) through its
 * control inbox, and prints its answer. Without a server there is nobody to answer, so it says
 * so at once (exit 3) and leaves nothing behind.
 */
export async function control(request: ControlRequest, options: StoreOptions & { json?: boolean }): Promise<void> {
  const problem = requestProblem(request);
  if (problem) fail(problem);
  const paths = await runsPathsOf(options);
  await requireServer(paths, `${request.op} is carried out by the server that runs it`);
  const dir = ControlInbox.dirOf(paths);
  await mkdir(dir, { recursive: true });
  const id = `${Date.now()}-${randomBytes(4).toString('hex')}`;
  const requestPath = join(dir, `${id}.request.json`);
  await writeFile(join(dir, `.${id}.partial`), JSON.stringify(request));
  await rename(join(dir, `.${id}.partial`), requestPath);
  const responsePath = join(dir, `${id}.response.json`);
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  const ownerHolds = createOwnerCheck(paths);
  for (;;) {
    const text = await readFile(responsePath, 'utf8').catch(() => undefined);
    if (text) {
      await rm(responsePath, { force: true });
      const response = JSON.parse(text) as ControlResponse;
      if (!response.ok) fail(response.message, response.code === 'runs_locked' ? EXIT.noServer : EXIT.refused);
      if (options.json) return printJson(response.result);
      return printAnswer(request, response.result);
    }
    if (!(await ownerHolds())) {
      await rm(requestPath, { force: true });
      failWith(new NoServerError(paths.root, `the one that did stopped before answering; \`harness-mcp status\` shows whether the ${request.op} took effect`));
    }
    if (Date.now() > deadline) {
      await rm(requestPath, { force: true });
      fail(`the server that runs ${paths.root} did not answer in ${ANSWER_TIMEOUT_MS / 1000} s`, EXIT.noServer);
    }
    await sleep(POLL_MS);
  }
}
