import type { AgentName, PlannedStep } from '../core/index.js';

/** What an adapter needs to know about the attempt it is building a command line for. */
export interface AttemptContext {
  step: PlannedStep;
  runId: string;
  attempt: number;
  attemptDir: string;
  /** Where the step runs: the job's working directory or its isolated workspace. */
  cwd: string;
  /** Where an agent may leave its run report ($HARNESS_FINAL_PATH for the command agent). */
  reportPath: string;
}

export interface AgentInvocation {
  argv: [string, ...string[]];
  /** Variables the agent needs on top of the server's environment (recorded, redacted, in meta.json). */
  env: Record<string, string>;
}

/** The run report an attempt produced, before validation. */
export type ReportReading =
  | { kind: 'report'; report: unknown; source: 'agent' | 'harness' }
  | { kind: 'missing'; reason: string }
  | { kind: 'unreadable'; reason: string };

/** How the agent process ended, as far as report reading needs to know. */
export interface ExitSummary {
  exitCode: number | null;
  stdoutTail: string;
  stderrTail: string;
}

/** One agent CLI: step → argv/env, and the agent's output → a run report. Pure of spawning. */
export interface AgentAdapter {
  readonly name: AgentName;
  /** Whether a later step may resume this agent's session (resume_from). */
  readonly resumable: boolean;
  version(): Promise<string | null>;
  invocation(ctx: AttemptContext): AgentInvocation;
  readReport(ctx: AttemptContext, exit: ExitSummary): Promise<ReportReading>;
}
