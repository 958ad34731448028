import { createHash } from 'node:crypto';
import {
  canonicalJson,
  createBatchId,
  DefaultsSchema,
  LaunchTableInvalidError,
  LaunchTableSchema,
  reservedStepIdProblem,
  type AgentName,
  type Budget,
  type Defaults,
  type HarnessConfig,
  type PlannedJob,
  type PlannedStep,
  type Retries,
  type ValidationProblem,
} from '../core/index.js';
import { IdScope } from './id-scope.js';
import { formatJsonPath } from './json-path.js';
import { costBudgetProblem, resolveStepBudget } from './budgets.js';
import { SchemaBudget } from './schema-budget.js';
import { planFallback } from './fallback.js';
import { spawnProblems } from './spawn-checks.js';
import { checkWorkingDirectory } from './working-directory.js';
import { orderSteps } from './step-graph.js';
import { draftDefaults, draftJob, type JobDraft, type StepDraft } from './table-draft.js';
import { expandVariants, plannedJobCount, VariantIds, variantProblems } from './variants.js';

export interface PlanContext {
  config: HarnessConfig;
  /** Agents this build can run, and which of them can resume a session. */
  agents: ReadonlyMap<AgentName, { resumable: boolean }>;
  /** The id in the store that `batchId` is, or equals but for case (they would share a directory); undefined when it is free. */
  batchIdTaken: (batchId: string) => string | undefined;
  now: Date;
  /** Where a run id of the store belongs, to refuse a resume_from that names another batch's run. */
  locateRun?: (runId: string) => { batchId: string; jobId: string; stepId: string } | undefined;
  /** The runs root's real path, which no working directory may hold or lie in; unknown to a check without a server. */
  runsRoot?: string;
}

/** A validated submission with every setting resolved, ready to be written as batch_meta.json. */
export interface PlannedBatch {
  batchId: string;
  specVersion: string | null;
  goalSummary: string;
  launchTable: Record<string, unknown>;
  launchTableSha256: string;
  idempotencyKey: string | null;
  effectiveDefaults: EffectiveDefaults;
  /** The batch's own budget over all its jobs; null: no limit. */
  budget: Budget | null;
  jobs: PlannedJob[];
}

/** The batch's defaults merged over the harness config's; sandbox only when the batch sets one. */
export type EffectiveDefaults = Required<Pick<Defaults, 'timeout_seconds' | 'retries' | 'agent'>> & Pick<Defaults, 'sandbox' | 'budget'>;

/**
 * Validates a launch table (docs/spec.md §3) and plans it. Every problem is collected before anything
 * is decided, and all of them are thrown at once in a LaunchTableInvalidError, each with its
 * JSON path. Nothing is written here.
 */
export async function planBatch(input: unknown, ctx: PlanContext): Promise<PlannedBatch> {
  const problems: ValidationProblem[] = [];
  const add = (path: readonly PropertyKey[], message: string) => problems.push({ path: formatJsonPath(path), message });

  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new LaunchTableInvalidError([{ path: '(root)', message: 'the launch table must be a JSON object' }]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > ctx.config.limits.max_launch_table_bytes) {
    // Too large to be worth reading further: say so and stop.
    throw new LaunchTableInvalidError([
      { path: '(root)', message: `the launch table is ${bytes} bytes as JSON; at most ${ctx.config.limits.max_launch_table_bytes} are allowed (limits.max_launch_table_bytes)` },
    ]);
  }
  const whole = LaunchTableSchema.safeParse(input);
  if (!whole.success) for (const issue of whole.error.issues) add(issue.path, issue.message);

  const raw = input as Record<string, unknown>;
  const { config } = ctx;

  // Top-level semantic checks, on whatever parts are well-formed.
  if (typeof raw.batch_goal_summary === 'string') {
    const words = raw.batch_goal_summary.split(/\s+/).filter(Boolean).length;
    if (words < config.limits.min_goal_summary_words) {
      add(['batch_goal_summary'], `has ${words} words; at least ${config.limits.min_goal_summary_words} are required (limits.min_goal_summary_words)`);
    }
  }
  const taken = typeof raw.batch_id === 'string' ? ctx.batchIdTaken(raw.batch_id) : undefined;
  if (taken !== undefined) {
    const clash = taken === raw.batch_id ? `\`${taken}\` is already in the store` : `\`${raw.batch_id}\` differs from \`${taken}\`, already in the store, only by case (a case-insensitive filesystem gives them one directory)`;
    add(['batch_id'], `${clash}; choose another id or omit it to have one generated`);
  }

  const defaults = draftDefaults(raw.defaults);
  const allowed = new Set<string>(config.launch_table_overrides.allowed_defaults);
  if (raw.defaults && typeof raw.defaults === 'object') {
    for (const key of Object.keys(raw.defaults)) {
      if (!allowed.has(key) && DefaultsSchema.shape[key as keyof Defaults]) {
        add(['defaults', key], `the harness config does not let a batch override \`${key}\` (allowed: ${[...allowed].join(', ') || 'none'})`);
      }
    }
  }
  const batchDefaults: Defaults = defaults.fields;
  const effectiveDefaults: EffectiveDefaults = {
    timeout_seconds: batchDefaults.timeout_seconds ?? config.timeouts.step_seconds,
    retries: {
      max_attempts: batchDefaults.retries?.max_attempts ?? config.retries.max_attempts,
      backoff_seconds: batchDefaults.retries?.backoff_seconds ?? config.retries.backoff_seconds,
    },
    agent: batchDefaults.agent ?? config.default_agent,
    ...(batchDefaults.sandbox ? { sandbox: batchDefaults.sandbox } : {}),
    ...(batchDefaults.budget ? { budget: batchDefaults.budget } : {}),
  };

  // A job's broken fields are already reported; its well-formed ones are checked all the same.
  const drafts = (Array.isArray(raw.jobs) ? raw.jobs : []).map(draftJob);
  const jobCount = plannedJobCount(drafts);
  if (jobCount > config.limits.max_jobs_per_batch) {
    const expanded = jobCount === drafts.length ? '' : ' once variants are expanded';
    add(['jobs'], `has ${jobCount} jobs${expanded}; at most ${config.limits.max_jobs_per_batch} are allowed (limits.max_jobs_per_batch)`);
  }
  // A broken defaults.agent decides no step's agent: checks that hang on the agent wait for it.
  const defaultAgent = defaults.broken.has('agent') ? undefined : effectiveDefaults.agent;
  const jobIds = new IdScope('jobs', 'job ids are unique in a batch');
  const jobs: PlannedJob[] = [];
  const schemas = new SchemaBudget(ctx.config.limits.max_output_schema_bytes);
  const variantIds = new VariantIds(drafts);
  for (const [jobIndex, job] of drafts.entries()) {
    if (!job) continue;
    const at = (...rest: PropertyKey[]) => ['jobs', jobIndex, ...rest];
    const jobId = job.fields.job_id;
    if (jobId !== undefined) {
      const collision = jobIds.add(jobId, jobIndex) ?? variantIds.collision(jobId);
      if (collision) add(at('job_id'), collision);
    }
    for (const problem of variantProblems(job)) add(at(...problem.at), problem.message);
    const path = job.fields.working_directory;
    const workingDirectory = path === undefined ? undefined : await checkWorkingDirectory(path, ctx.runsRoot, (m) => add(at('working_directory'), m));
    const name = jobId === undefined ? `jobs[${jobIndex}]` : `job \`${jobId}\``;
    const planned = planJob(job, { name, workingDirectory, defaultAgent, schemas }, effectiveDefaults, ctx, at, add);
    if (planned) jobs.push(...(job.fields.variants === undefined ? [planned] : expandVariants(planned, job.fields.variants)));
  }

  if (problems.length > 0) throw new LaunchTableInvalidError(problems);
  const table = whole.data!;
  return {
    batchId: table.batch_id ?? uniqueBatchId(ctx),
    specVersion: table.spec_version ?? null,
    goalSummary: table.batch_goal_summary,
    launchTable: raw,
    launchTableSha256: launchTableDigest(raw),
    idempotencyKey: table.idempotency_key ?? null,
    effectiveDefaults,
    budget: table.budget ?? null,
    jobs,
  };
}

/** The sha256 of a table in canonical JSON, without its idempotency_key: what "the same table" means. */
export function launchTableDigest(raw: Record<string, unknown>): string {
  const { idempotency_key: _key, ...table } = raw;
  return createHash('sha256').update(canonicalJson(table)).digest('hex');
}

function uniqueBatchId(ctx: PlanContext): string {
  for (;;) {
    const id = createBatchId(ctx.now);
    if (ctx.batchIdTaken(id) === undefined) return id;
  }
}

/** What planJob knows of a job beyond its draft: how messages name it, and its checked directory. */
interface JobContext {
  name: string;
  workingDirectory: string | undefined;
  defaultAgent: AgentName | undefined;
  /** The table's output schemas so far, shared by its jobs. */
  schemas: SchemaBudget;
}

/** The agent that runs a step, or undefined when the field that decides it is broken. */
function agentOf(step: StepDraft, job: JobDraft, defaultAgent: AgentName | undefined): { agent: AgentName; source: string } | undefined {
  if (step.broken.has('agent')) return undefined;
  if (step.fields.agent) return { agent: step.fields.agent, source: 'step' };
  if (job.broken.has('agent')) return undefined;
  if (job.fields.agent) return { agent: job.fields.agent, source: 'job' };
  return defaultAgent && { agent: defaultAgent, source: 'defaults' };
}

/**
 * Checks a job's steps and plans them. Every check runs on the well-formed fields of a draft;
 * the planned job comes back only when the job is whole (a broken field is a problem already).
 */
function planJob(
  job: JobDraft,
  context: JobContext,
  defaults: EffectiveDefaults,
  ctx: PlanContext,
  at: (...rest: PropertyKey[]) => PropertyKey[],
  add: (path: readonly PropertyKey[], message: string) => void,
): PlannedJob | undefined {
  const { limits } = ctx.config;
  if (job.steps.length > limits.max_steps_per_job) {
    add(at('steps'), `has ${job.steps.length} steps; at most ${limits.max_steps_per_job} are allowed (limits.max_steps_per_job)`);
  }
  const stepIndex = new Map<string, number>();
  const stepIds = new IdScope('steps', 'step ids are unique in a job');
  for (const [i, step] of job.steps.entries()) {
    const stepId = step?.fields.step_id;
    if (stepId === undefined) continue;
    const collision = reservedStepIdProblem(stepId) ?? stepIds.add(stepId, i);
    if (collision) add(at('steps', i, 'step_id'), collision);
    else stepIndex.set(stepId, i);
  }

  const planned = new Map<string, PlannedStep>();
  for (const [i, step] of job.steps.entries()) {
    if (!step) continue;
    const here = (...rest: PropertyKey[]) => at('steps', i, ...rest);
    const fields = step.fields;
    const chosen = agentOf(step, job, context.defaultAgent);
    const capability = chosen && ctx.agents.get(chosen.agent);
    if (chosen && !capability) {
      add(here('agent'), `agent \`${chosen.agent}\` (from the ${chosen.source}) cannot run in this build; available: ${[...ctx.agents.keys()].join(', ')}`);
    }
    if (chosen?.agent === 'command') {
      if (!fields.command && !step.broken.has('command')) add(here('command'), 'a command step needs `command`, the argv to run');
      if (fields.prompt !== undefined) add(here('prompt'), 'a command step takes `command`, not `prompt`');
    } else if (chosen) {
      if (fields.command) add(here('command'), `a ${chosen.agent} step takes \`prompt\`, not \`command\``);
      if (!fields.prompt?.trim() && !step.broken.has('prompt')) add(here('prompt'), `a ${chosen.agent} step needs a non-empty \`prompt\``);
    }
    const promptBytes = Buffer.byteLength(fields.prompt ?? '');
    if (promptBytes > limits.max_prompt_bytes) {
      add(here('prompt'), `is ${promptBytes} bytes; at most ${limits.max_prompt_bytes} are allowed (limits.max_prompt_bytes)`);
    }
    const depends = new Set<string>();
    for (const [d, dep] of step.dependsOn.entries()) {
      if (dep === undefined) continue;
      if (dep === fields.step_id) add(here('depends_on', d), 'a step cannot depend on itself');
      else if (!stepIndex.has(dep)) add(here('depends_on', d), `\`${dep}\` is not a step of ${context.name}`);
      else if (depends.has(dep)) add(here('depends_on', d), `\`${dep}\` is listed twice`);
      depends.add(dep);
    }
    let resumeFrom: PlannedStep['resume_from'] = null;
    if (step.resumeFrom) {
      const source = step.resumeFrom.fields;
      const selector = source.selector ?? (step.resumeFrom.broken.has('selector') ? undefined : 'latest_successful');
      const sourceId = source.step_id; // undefined when it is not an id: the parse said so
      if (sourceId !== undefined && sourceId === fields.step_id) add(here('resume_from', 'step_id'), 'a step cannot resume its own session');
      else if (sourceId !== undefined && !stepIndex.has(sourceId)) add(here('resume_from', 'step_id'), `\`${sourceId}\` is not a step of ${context.name}`);
      else if (sourceId !== undefined) {
        const sourceAgent = agentOf(job.steps[stepIndex.get(sourceId) as number]!, job, context.defaultAgent);
        if (chosen && sourceAgent && sourceAgent.agent !== chosen.agent) {
          add(here('resume_from', 'step_id'), `\`${sourceId}\` runs ${sourceAgent.agent}; a ${chosen.agent} step cannot resume its session`);
        }
      }
      if (selector === 'run_id' && !source.run_id && !step.resumeFrom.broken.has('run_id')) add(here('resume_from', 'run_id'), 'selector `run_id` needs `run_id`');
      if (selector && selector !== 'run_id' && source.run_id) add(here('resume_from', 'selector'), '`run_id` is given, so the selector must be `run_id`');
      const elsewhere = source.run_id ? ctx.locateRun?.(source.run_id) : undefined;
      if (elsewhere) {
        const where = `batch \`${elsewhere.batchId}\`, step ${elsewhere.jobId}/${elsewhere.stepId}`;
        add(here('resume_from', 'run_id'), `\`${source.run_id}\` is an attempt of ${where}; resume_from resumes only attempts of its source step in this batch, so it would wait for ever`);
      }
      if (chosen && capability && !capability.resumable) add(here('resume_from'), `agent \`${chosen.agent}\` has no session to resume`);
      if (sourceId !== undefined) {
        depends.add(sourceId); // resume_from implies a dependency on its source (docs/spec.md §3)
        resumeFrom = { step_id: sourceId, selector: selector ?? 'latest_successful', run_id: source.run_id ?? null };
      }
    }
    if (fields.output_schema) {
      const problem = context.schemas.admit(fields.output_schema);
      if (problem) add(here('output_schema'), problem);
    }
    for (const name of step.envNames) {
      if (name.startsWith('HARNESS_')) add(here('env', name), 'HARNESS_* variables are set by the harness and cannot be overridden');
    }
    for (const problem of spawnProblems(fields.command, fields.env)) add(here(...problem.at), problem.message);
    const { fallback, problems: fallbackProblems } = planFallback(fields, chosen?.agent, step.resumeFrom !== undefined, new Set(ctx.agents.keys()));
    for (const problem of fallbackProblems) add(here(problem.field), problem.message);
    const budget = resolveStepBudget(fields.budget, defaults.budget);
    const costProblem = chosen && budget?.max_cost_usd !== undefined ? costBudgetProblem(chosen.agent, ctx.config, fields.budget ? 'step' : 'defaults') : null;
    if (costProblem) add(here('budget', 'max_cost_usd'), costProblem);
    if (fields.step_id === undefined || !chosen) continue;
    const retries: Retries = fields.retries ?? job.fields.retries ?? defaults.retries;
    planned.set(fields.step_id, {
      step_id: fields.step_id,
      agent: chosen.agent,
      prompt: fields.prompt ?? null,
      command: fields.command ?? null,
      depends_on: [...depends].filter((d) => d !== fields.step_id && stepIndex.has(d)),
      resume_from: resumeFrom,
      timeout_seconds: fields.timeout_seconds ?? job.fields.timeout_seconds ?? defaults.timeout_seconds,
      retries: { max_attempts: retries.max_attempts, backoff_seconds: retries.backoff_seconds ?? defaults.retries.backoff_seconds! },
      sandbox: fields.sandbox ?? job.fields.sandbox ?? defaults.sandbox ?? null,
      output_schema: fields.output_schema ?? null,
      env: fields.env ?? {},
      fallback,
      budget,
    });
  }

  const ordered = orderSteps([...planned.keys()], (id) => planned.get(id)?.depends_on ?? []);
  if ('cycle' in ordered) {
    add(at('steps'), `depends_on and resume_from form a cycle: ${ordered.cycle.join(' → ')}`);
    return undefined;
  }
  const jobId = job.fields.job_id;
  if (jobId === undefined || context.workingDirectory === undefined || job.broken.size > 0 || planned.size !== job.steps.length) return undefined;
  return {
    job_id: jobId,
    working_directory: context.workingDirectory,
    workspace_policy: job.fields.workspace_policy ?? 'shared',
    variant: null,
    budget: job.fields.budget ?? null,
    steps: ordered.order.map((id) => planned.get(id)!),
  };
}
