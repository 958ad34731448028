import type { AgentName, LimitKind, PlannedStep, Usage } from '../core/index.js';

/** The earlier attempt whose session a resuming attempt continues. */
export interface ResumeSource {
  runId: string;
  stepId: string;
  selector: string;
  /** The source's frozen session store (its resume base). */
  sessionDir: string;
  threadId: string | null;
  /** Token usage the agent had reported over the whole conversation when the source ended. */
  threadUsage: Usage | null;
}

/** What an adapter needs to know about the attempt it is building a command line for. */
export interface AttemptContext {
  step: PlannedStep;
  runId: string;
  attempt: number;
  attemptDir: string;
  /** Where the step runs: the job's working directory or its isolated workspace. */
  cwd: string;
  /** Whether `cwd` is inside a git repository. */
  inGitRepo: boolean;
  /** Where an agent may leave its run report ($HARNESS_FINAL_PATH for the command agent). */
  reportPath: string;
  /** The attempt's own session store, for agents that keep one (codex_home/ for codex). */
  sessionDir: string | null;
  resume: ResumeSource | null;
  /** What is left of the step's max_cost_usd, for an agent that can stop itself there (claude); null without one. */
  maxCostUsd?: number | null;
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
  /** The last message the agent streamed, when it streams events. */
  lastMessage: string | null;
}

/**
 * A provider limit as an agent reported it: its kind, when the provider said it lifts (ISO,
 * null when it did not say), the window it named (five_hour, seven_day, …) and the agent's words.
 */
export interface LimitSignal {
  kind: LimitKind;
  retryAt: string | null;
  window: string | null;
  message: string;
}

/** What one line of an agent's output stream says, in the harness's terms. */
export type AgentEvent =
  | { kind: 'session'; threadId: string }
  | { kind: 'item'; currentItem: string }
  | { kind: 'message'; text: string }
  /**
   * Usage as the agent reports it: over the whole conversation, which a resume continues
   * (`thread`, codex and claude), or over this run of the CLI alone (`attempt`, gemini).
   */
  | { kind: 'usage'; usage: Usage; scope: 'thread' | 'attempt' }
  | { kind: 'error'; message: string }
  /** The agent's own verdict that its run failed, whatever its exit code (claude's `is_error`). */
  | { kind: 'failed'; message: string }
  /** The provider refused the agent's request for a limit, as a structured event said (claude's rate_limit_event). */
  | { kind: 'limit'; limit: LimitSignal }
  /** The agent stopped itself at the cost limit it was given (claude's `--max-budget-usd`). */
  | { kind: 'budget_exceeded'; message: string }
  | { kind: 'other' };

/** Usage the agent wrote since the last poll, as usage events (none when it wrote none). */
export interface UsageFollower {
  poll(): Promise<AgentEvent[]>;
}

/** One parsed output line: the harness's reading of it and the event as logged to events.jsonl. */
export interface ParsedLine {
  events: AgentEvent[];
  logged: { type: string; [key: string]: unknown };
}

/**
 * One agent CLI: step → argv/env, its output lines → events, its output → a run report.
 * Adapters spawn nothing (the runner runs `versionArgv` and the agent); they may read and
 * prepare files of the attempt.
 */
export interface AgentAdapter {
  readonly name: AgentName;
  /** Whether a later step may resume this agent's session (resume_from). */
  readonly resumable: boolean;
  /** The attempt subdirectory that holds the agent's session store, frozen when the attempt ends. */
  readonly sessionDirName: string | null;
  /** argv that prints the agent's version, or null when it has none. */
  versionArgv(): [string, ...string[]] | null;
  /** Makes the attempt's session store: fresh, or a copy of the resume source's. */
  prepareSession(ctx: AttemptContext): Promise<void>;
  invocation(ctx: AttemptContext): AgentInvocation;
  /** A reader of one attempt's stdout lines, for agents that stream JSONL; null for agents that do not. */
  lineParser: (() => (line: string) => ParsedLine) | null;
  /**
   * For an agent that writes its usage somewhere other than stdout while it runs (codex's
   * rollout): made once the session store is ready, polled while the agent runs.
   */
  usageFollower?: (ctx: AttemptContext) => Promise<UsageFollower>;
  readReport(ctx: AttemptContext, exit: ExitSummary): Promise<ReportReading>;
  /**
   * The provider limit the text of a failed run's final error (or its stderr's end) names, read
   * with the agent's own table of wordings; `now` places relative and local times, `stepEnv` is
   * the step's env (a TZ there is the zone the agent prints local times in). Null when it names
   * none, or for agents without a table.
   */
  limitFromText(text: string, now: Date, stepEnv: Readonly<Record<string, string>>): LimitSignal | null;
}
