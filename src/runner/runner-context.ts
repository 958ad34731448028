import type { AgentName, AttemptMeta, AttemptState, KeyedSerial, PlannedJob, PlannedStep } from '../core/index.js';
import type { AgentAdapter, ResumeSource } from '../agents/index.js';
import type { AttemptFiles, AttemptLocation, EventLog, RunsPaths, StateTransitions } from '../store/index.js';
import type { GitIdentity } from '../workproduct/index.js';
import type { ReportChecker } from './report-checker.js';
import type { WorkspaceOccupancy } from './workspace-occupancy.js';
import type { StateWriter } from './state-writer.js';

/** Everything one attempt needs from the server around it. */
export interface RunnerContext {
  paths: RunsPaths;
  /** meta.json and final.json; the attempt's state changes go through `transitions` alone. */
  files: Pick<AttemptFiles, 'writeMeta' | 'writeFinal'>;
  transitions: StateTransitions;
  serial: KeyedSerial;
  runnerId: string;
  harnessVersion: string;
  configVersion: string;
  killGraceMs: number;
  heartbeatIntervalMs: number;
  /** Checks reports against a step's own output_schema, off the server's thread. */
  reportChecker: ReportChecker;
  /** Who the snapshot commits are by (the harness config's git section). */
  identity: GitIdentity;
  /** Which attempts share a workspace now, for their change records. */
  occupancy: WorkspaceOccupancy;
  /** What an attempt may still spend; absent: no budget is enforced while attempts run. */
  budgets?: BudgetGuard;
}

/** The budgets over a running attempt, as the server that runs it keeps them (docs/spec.md §5 "Budgets"). */
export interface BudgetGuard {
  /**
   * Why the attempt, as `state` says it is now (its usage so far, its wall time to now), is over
   * its step's or its job's budget; null while it is not.
   */
  overBudget(state: AttemptState): string | null;
  /** What is left of the step's max_cost_usd after its earlier attempts, in US dollars; null when it has none. */
  remainingStepCostUsd(location: AttemptLocation): number | null;
}

export interface AttemptJob {
  location: AttemptLocation;
  /** The attempt's state as it is on disk now (queued). */
  state: AttemptState;
  job: PlannedJob;
  step: PlannedStep;
  adapter: AgentAdapter;
  /** The provider pool it runs in (the distributed mode's queue). */
  pool: { agent: AgentName; profile: string };
  /** The attempt whose session this one continues (resume_from, or its own step's attempt a provider limit cut short), already chosen. */
  resume: ResumeSource | null;
  /** Set when the step's fallback_agent runs this attempt (`adapter` is the fallback's): recorded in meta.json. */
  fallback: NonNullable<AttemptMeta['fallback']> | null;
  signal: AbortSignal;
  /** Called after every state.json write, so the caller's view matches the disk. */
  onState: (state: AttemptState) => void;
}

/** Runs one attempt to its end: here (runAttempt), or on a worker of the distributed mode. */
export type AttemptExecutor = (job: AttemptJob) => Promise<AttemptState>;

/** One attempt under way, as its phases share it: what it runs, its event log and its state. */
export interface AttemptUnderWay {
  job: AttemptJob;
  /** The agent's session store in the attempt directory, when it keeps one; frozen at the end. */
  sessionDir: string | null;
  events: EventLog;
  writer: StateWriter;
}
