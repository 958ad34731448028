import { AgentOutcomeStatusSchema, createReportValidator, type AgentOutcome, type Ending } from '../core/index.js';
import type { AttemptContext, ReportReading } from '../agents/index.js';
import { describeLimit, providerLimitOf } from './provider-limit.js';
import { isShutdown, SHUTDOWN_ENDING, StuckReason } from './abort-reasons.js';
import type { RunResult } from './run-and-observe.js';
import type { AttemptJob, RunnerContext } from './runner-context.js';

const SUMMARY_CHARS = 2000;

/** How the attempt ends, and the run report read for it (null when the process's outcome alone decides). */
export interface Judgement {
  ending: Ending;
  reading: ReportReading | null;
}

/** The attempt's terminal status from its host outcome first, then its run report (docs/spec.md §4.1, §6). */
export async function judgeAttempt(ctx: RunnerContext, job: AttemptJob, attemptCtx: AttemptContext, { outcome, observed, budgetStop }: RunResult): Promise<Judgement> {
  const base = { exitCode: outcome.exitCode, signal: outcome.signal };
  if (outcome.canceled && isShutdown(job.signal)) return { ending: { ...base, ...SHUTDOWN_ENDING }, reading: null };
  // Not retried (RETRYABLE): a retry would start over the same spent budget.
  if (outcome.canceled && budgetStop) return { ending: { ...base, status: 'failed', failureReason: 'budget_exceeded', message: `stopped while running: ${budgetStop}` }, reading: null };
  if (outcome.canceled && job.signal.reason instanceof StuckReason) {
    const message = `killed as stuck: ${job.signal.reason.message}; retried by policy`;
    return { ending: { ...base, status: 'failed', failureReason: 'stuck', message }, reading: null };
  }
  if (outcome.canceled) return { ending: { ...base, status: 'canceled', failureReason: 'canceled', message: 'canceled while running' }, reading: null };
  if (outcome.outputError) {
    return { ending: { ...base, status: 'failed', failureReason: 'storage_error', message: `${outcome.outputError}; the run was stopped` }, reading: null };
  }
  if (outcome.timedOut) {
    return { ending: { ...base, status: 'failed', failureReason: 'timeout', message: `timed out after ${job.step.timeout_seconds} s` }, reading: null };
  }
  if (outcome.spawnError !== null) {
    const fix = job.adapter.name === 'command' ? 'Check that the program is installed and on PATH' : `Install the ${job.adapter.name} CLI or set agents.${job.adapter.name}.command in the harness config`;
    const message = `could not start the ${job.adapter.name} agent: ${outcome.spawnError}. ${fix}, and check that the working directory exists.`;
    return { ending: { ...base, status: 'failed', failureReason: 'spawn_error', message }, reading: null };
  }
  const reading = await job.adapter.readReport(attemptCtx, { ...outcome, lastMessage: observed.lastMessage });
  if (observed.agentBudgetStop) {
    const message = `the agent stopped at the cost limit it was given (--max-budget-usd ${attemptCtx.maxCostUsd ?? '?'}, what was left of the step's max_cost_usd): ${observed.agentBudgetStop}`;
    return { ending: { ...base, status: 'failed', failureReason: 'budget_exceeded', message }, reading };
  }
  const agentError = observed.agentError;
  // A failed run that a provider limit ended is the provider's doing, not the step's (§5 row 7′).
  const failedRun = outcome.exitCode !== 0 || agentError?.kind === 'declared_failure';
  const limited = failedRun ? providerLimitOf(job.adapter, observed, outcome.stderrTail, agentError?.at ?? new Date(), { stepEnv: job.step.env, continuing: job.resume !== null }) : null;
  if (limited) {
    const exited = outcome.exitCode !== 0 ? `exited ${outcome.exitCode ?? `by ${outcome.signal}`}; ` : '';
    const message = `${describeLimit(limited.limit)}; ${exited}the agent said: ${(agentError?.message ?? limited.said).slice(-SUMMARY_CHARS)}`;
    return { ending: { ...base, status: 'failed', failureReason: limited.limit.kind, message, limit: limited.limit, agentOutcome: agentOutcomeOf(reading) }, reading };
  }
  if (outcome.exitCode !== 0) {
    const tail = agentError ? agentError.message : outcome.stderrTail.trim() || outcome.stdoutTail.trim();
    const message = `exited ${outcome.exitCode ?? `by ${outcome.signal}`}${tail ? `; ${agentError ? 'the agent said' : 'output ends'}: ${tail.slice(-SUMMARY_CHARS)}` : ''}`;
    return { ending: { ...base, status: 'failed', failureReason: 'exit_nonzero', message, agentOutcome: agentOutcomeOf(reading) }, reading };
  }
  if (agentError?.kind === 'declared_failure') {
    return { ending: { ...base, status: 'failed', failureReason: 'agent_failure', message: `the agent reported an error: ${agentError.message}` }, reading };
  }
  if (reading.kind === 'missing') return { ending: { ...base, status: 'needs_attention', failureReason: 'no_final', message: reading.reason }, reading };
  if (reading.kind === 'unreadable') return { ending: { ...base, status: 'needs_attention', failureReason: 'schema_invalid', message: reading.reason }, reading };
  // The default schema is ours and safe to check here; a step's own goes to the checker's thread.
  const schema = job.step.output_schema;
  const check = schema ? await ctx.reportChecker.check(schema, reading.report) : createReportValidator(null)(reading.report);
  if (!check.ok) {
    const message = check.unchecked ? `the run report could not be checked against the output schema: ${check.error}` : `the run report does not match the output schema: ${check.error}`;
    return { ending: { ...base, status: 'needs_attention', failureReason: 'schema_invalid', message }, reading };
  }
  const agentOutcome = agentOutcomeOf(reading);
  if (agentOutcome?.status === 'failure') {
    return { ending: { ...base, status: 'failed', failureReason: 'agent_failure', message: agentOutcome.summary, agentOutcome }, reading };
  }
  if (agentOutcome?.status === 'blocked') {
    return { ending: { ...base, status: 'needs_attention', failureReason: 'agent_blocked', message: agentOutcome.summary, agentOutcome }, reading };
  }
  return { ending: { ...base, status: 'succeeded', failureReason: null, message: null, agentOutcome }, reading };
}

function agentOutcomeOf(reading: ReportReading | null): AgentOutcome | null {
  if (reading?.kind !== 'report' || !reading.report || typeof reading.report !== 'object') return null;
  const report = reading.report as Record<string, unknown>;
  const status = AgentOutcomeStatusSchema.safeParse(report.status);
  return {
    status: status.success ? status.data : null,
    summary: typeof report.summary === 'string' ? report.summary.slice(0, SUMMARY_CHARS) : null,
  };
}
