// What the other floors may use of core/; everything else in it is its own (docs/architecture.md).
export { compactUtc, createBatchId, createRunId, idProblem, IdSchema, JOB_DIR_NAMES, reservedStepIdProblem, RUN_ID_PATTERN, RunIdSchema } from './ids.js';
export {
  BatchExistsError,
  ConfigInvalidError,
  FileCorruptError,
  FileUnreadableError,
  HarnessError,
  IdempotencyConflictError,
  IllegalStateError,
  InvalidArgumentError,
  isStorageError,
  LaunchTableInvalidError,
  NoServerError,
  NotFoundError,
  PathEscapeError,
  UnsafeArtifactError,
  StorageRefusedError,
  ResumeUnavailableError,
  FileLockUnavailableError,
  RunsRootInvalidError,
  CoordinatorSteppedDownError,
  RedisConfigError,
  StoreLockedError,
  TerminalStateError,
  type ValidationProblem,
  WHERE_IDS_ARE,
  WriteOnceError,
} from './errors.js';
export { nowIso, secondsBetween } from './clock.js';
export { isSecretName, isSecretValue, redactArgv, redactEnv } from './redact.js';
export {
  type AgentName,
  AgentNameSchema,
  type Defaults,
  DefaultsSchema,
  type Job,
  JobSchema,
  type LaunchTable,
  LaunchTableSchema,
  type PlannedGit,
  type PlannedJob,
  PlannedJobSchema,
  type PlannedStep,
  PlannedStepSchema,
  DEFAULT_FALLBACK_AFTER_SECONDS,
  ResumeFromSchema,
  type Retries,
  type Sandbox,
  type Step,
  StepSchema,
} from './launch-table.js';
export { type AgentOutcome, AgentOutcomeStatusSchema, type Usage, UsageSchema } from './run-report.js';
export { addUsage, sumUsages, usageSince } from './usage.js';
export {
  type AttemptState,
  AttemptStateSchema,
  type AttemptTrigger,
  endedState,
  type Ending,
  type FailureReason,
  isTerminal,
  type LimitKind,
  LimitKindSchema,
  type ProviderLimit,
  ProviderLimitSchema,
  queuedState,
  truncateMessage,
} from './attempt-state.js';
export { AttemptsIndexSchema } from './attempts-index.js';
export { type AttemptMeta, AttemptMetaSchema } from './attempt-meta.js';
export { type FinalReport, FinalReportSchema } from './final-report.js';
export { type CurrentIndex, CurrentIndexSchema } from './current-index.js';
export { type BatchMeta, BatchMetaSchema } from './batch-meta.js';
export { type HarnessConfig, type HarnessConfigFile, HarnessConfigFileSchema, HarnessConfigSchema, priceOf } from './harness-config.js';
export {
  type BatchScoreboard,
  BatchScoreboardSchema,
  type DamagedFile,
  DamagedFileSchema,
  type RunnerHealth,
  RunnerHealthSchema,
  type StepCounts,
  StepCountsSchema,
  type StepEntry,
  type StepStatus,
  StepStatusSchema,
  type SystemScoreboard,
  SystemScoreboardSchema,
} from './scoreboard.js';
export { type AttemptEvent, AttemptEventSchema } from './events.js';
export { AJV_OPTIONS, createReportValidator, DEFAULT_REPORT_STRICT_JSON_SCHEMA, MAX_COMPILED, reportSchemaProblem, type ReportCheck } from './report-validator.js';
export { HARNESS_NAME, HARNESS_VERSION } from './version.js';
export { canonicalJson } from './canonical-json.js';
export { openRegularFile, readPlantedFile } from './regular-file.js';
export { portableJsonSchema } from './portable-json-schema.js';
export {
  type ChangedFile,
  ChangeRecordSchema,
  type ChangeRecord,
  type ChangeSummary,
  type ChangeTotals,
  type SnapshotKind,
  totalsOf,
} from './changes.js';
export { KeyedSerial } from './keyed-serial.js';
export { LeftBranchesSchema, type LeftBranches } from './left-branches.js';
export { type LandedFile, LandedFileSchema, type Landing, LandingSchema, LandStrategySchema } from './landed.js';
export { type JobStatus, JobStatusSchema, type VariantComparison, VariantComparisonSchema, type VariantRow } from './variant-comparison.js';
export { ChangedFileSchema, ChangeTotalsSchema, SnapshotKindSchema } from './changes.js';
export { BranchChangeSchema, type BranchChange } from './branch-change.js';
export { describeParkedPools, dispatchPausedText, type PoolHealth, PoolHealthSchema, type PoolPark, PoolParkSchema, type PoolRecord, PoolRecordSchema, type PoolsFile, PoolsFileSchema } from './pools.js';
export {
  addSpend,
  BUDGET_KEYS,
  type Budget,
  type BudgetLimitReached,
  type BudgetOverride,
  BudgetOverrideSchema,
  BudgetSchema,
  type BudgetStanding,
  describeAmount,
  describeLimit,
  limitReached,
  NO_SPEND,
  overriddenBudget,
  type Price,
  type Spend,
} from './budget.js';
export { attemptSpend, NO_PRICES, type PriceBook, priceBookOf, tokensOf } from './spend.js';
export { type BudgetOverrides, BudgetOverridesSchema } from './budget-overrides.js';
export {
  isTaskTerminal,
  type McpTaskRecord,
  McpTaskRecordSchema,
  type McpTaskStatus,
  McpTaskStatusSchema,
  type McpTaskWork,
  McpTaskWorkSchema,
  TASK_ID_PATTERN,
} from './mcp-task.js';
