import { dirname, join, relative, sep } from 'node:path';
import { compactUtc, idProblem, JOB_DIR_NAMES, PathEscapeError, RUN_ID_PATTERN, TASK_ID_PATTERN } from '../core/index.js';

/** Artifact names a client may fetch, and the file each stands for in an attempt directory. */
export const ARTIFACT_FILES = {
  state: 'state.json',
  meta: 'meta.json',
  final: 'final.json',
  stdout: 'stdout.log',
  stderr: 'stderr.log',
  events: 'events.jsonl',
  changes: 'changes.json',
  diff: 'diff.patch',
} as const;
export type ArtifactName = keyof typeof ARTIFACT_FILES;
export const ARTIFACT_NAMES = Object.keys(ARTIFACT_FILES) as ArtifactName[];

/** Where an attempt lives: its ids and its directory name `<compact UTC created_at>_<run_id>`. */
export interface AttemptLocation {
  batchId: string;
  jobId: string;
  stepId: string;
  dirName: string;
}

const ATTEMPT_DIR_NAME = /^(\d{8}T\d{9}Z)_([0-9a-f]{16})$/;

export function attemptDirName(createdAt: string, runId: string): string {
  return `${compactUtc(createdAt)}_${runId}`;
}

/** The run id an attempt directory name ends with, or undefined for any other name. */
export function runIdOfDirName(name: string): string | undefined {
  return ATTEMPT_DIR_NAME.exec(name)?.[2];
}

/** `20261121T121314123Z` back to ISO-8601. */
export function createdAtOfDirName(name: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z_/.exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : undefined;
}

/**
 * Every path the harness uses, computed from the runs root and nothing else. Ids are checked
 * again here so that no caller can build a path that leaves the root.
 */
export class RunsPaths {
  constructor(readonly root: string) {}

  get systemDir(): string {
    return join(this.root, '_system');
  }
  get configFile(): string {
    return join(this.systemDir, 'harness_config.json');
  }
  get configVersionsDir(): string {
    return join(this.systemDir, 'harness_config_versions');
  }
  configVersionFile(version: string): string {
    return join(this.configVersionsDir, `${segment(version)}.json`);
  }
  get systemScoreboardFile(): string {
    return join(this.systemDir, 'scoreboard.system.json');
  }
  /** What the runs-root lock takes a kernel lock on (RunsLock). */
  get lockFile(): string {
    return join(this.systemDir, 'lock');
  }
  get ownerFile(): string {
    return join(this.systemDir, 'owner.json');
  }
  /** Present while the runs root is draining: the one flag a tool, a signal and the CLI all set. */
  get drainFile(): string {
    return join(this.systemDir, 'drain');
  }
  /** The provider pools' parks and adaptive caps, kept across restarts. */
  get poolsFile(): string {
    return join(this.systemDir, 'pools.json');
  }
  /** The MCP tasks (tasks extension) that clients poll, one file each. */
  get tasksDir(): string {
    return join(this.systemDir, 'tasks');
  }
  taskFile(taskId: string): string {
    if (!TASK_ID_PATTERN.test(taskId)) throw new PathEscapeError(taskId, this.root);
    return join(this.tasksDir, `${taskId}.json`);
  }
  /** The filesystem queue: launch tables dropped in inbox/ end in accepted/ or rejected/. */
  queueDir(stage: 'inbox' | 'processing' | 'accepted' | 'rejected'): string {
    return join(this.systemDir, 'queue', stage);
  }
  /** The job branches of batches GC removed, for a later `gc --prune-branches`. */
  get leftBranchesFile(): string {
    return join(this.systemDir, 'branches_left.json');
  }
  /** Where GC moves a batch directory before deleting it, so that a GC cut short leaves nothing a listing sees. */
  get removingDir(): string {
    return join(this.systemDir, 'removing');
  }
  /** One batch on its way out: `<batch_id>.<suffix>`, the suffix keeping two removals of one id apart. */
  removingBatchDir(batchId: string, suffix: string): string {
    return join(this.removingDir, `${segment(batchId)}.${segment(suffix)}`);
  }
  /** The control inbox: requests from terminal commands and their answers. */
  get controlDir(): string {
    return join(this.systemDir, 'queue', 'control');
  }
  /** One directory per runner (a server, or a worker of the distributed mode) that ran the root. */
  get runnersDir(): string {
    return join(this.systemDir, 'runners');
  }
  /** A worker's own drain flag (the distributed mode): it takes no new attempts while the file exists. */
  runnerDrainFile(runnerId: string): string {
    return join(dirname(this.runnerHealthFile(runnerId)), 'drain');
  }
  runnerHealthFile(runnerId: string): string {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(runnerId)) throw new PathEscapeError(runnerId, this.root);
    return join(this.runnersDir, runnerId, 'health.json');
  }

  batchDir(batchId: string): string {
    return join(this.root, segment(batchId));
  }
  batchMetaFile(batchId: string): string {
    return join(this.batchDir(batchId), 'batch_meta.json');
  }
  batchScoreboardFile(batchId: string): string {
    return join(this.batchDir(batchId), 'scoreboard.batch.json');
  }
  /** The budgets set_budget changed (BudgetOverridesSchema); absent until the first. */
  budgetOverridesFile(batchId: string): string {
    return join(this.batchDir(batchId), 'budgets.json');
  }
  attemptsIndexFile(batchId: string): string {
    return join(this.batchDir(batchId), 'attempts_index.json');
  }
  jobDir(batchId: string, jobId: string): string {
    return join(this.batchDir(batchId), segment(jobId));
  }
  currentFile(batchId: string, jobId: string): string {
    return join(this.jobDir(batchId, jobId), JOB_DIR_NAMES.current);
  }
  /** Every landing of the job's branch (docs/spec.md §9.1); absent until the first. */
  landedFile(batchId: string, jobId: string): string {
    return join(this.jobDir(batchId, jobId), JOB_DIR_NAMES.landed);
  }
  /** An isolated git job's change as a whole, base..branch (BranchChangeSchema). */
  branchChangeFile(batchId: string, jobId: string): string {
    return join(this.jobDir(batchId, jobId), JOB_DIR_NAMES.branchChange);
  }
  workspaceDir(batchId: string, jobId: string): string {
    return join(this.jobDir(batchId, jobId), JOB_DIR_NAMES.workspace);
  }
  /** Present while the job's isolated workspace is being made: one found at start was cut short. */
  /** The private repository of a job's snapshots outside git; `_` starts no id, so no step dir can be it. */
  privateSnapshotsDir(batchId: string, jobId: string): string {
    return join(this.jobDir(batchId, jobId), '_snapshots.git');
  }
  /** The private index an attempt's snapshot is built in (GIT_INDEX_FILE), gone once it is made. */
  snapshotIndexFile(at: AttemptLocation): string {
    return join(this.attemptDir(at), 'snapshot.index');
  }
  workspacePartialFile(batchId: string, jobId: string): string {
    return join(this.jobDir(batchId, jobId), JOB_DIR_NAMES.workspacePartial);
  }
  stepDir(batchId: string, jobId: string, stepId: string): string {
    return join(this.jobDir(batchId, jobId), segment(stepId));
  }
  attemptDir(at: AttemptLocation): string {
    this.runIdOf(at);
    return join(this.stepDir(at.batchId, at.jobId, at.stepId), at.dirName);
  }
  /** The run id an attempt directory's name ends with; a name that is not an attempt's is refused. */
  runIdOf(at: AttemptLocation): string {
    const runId = runIdOfDirName(at.dirName);
    if (!runId) throw new PathEscapeError(at.dirName, this.root);
    return runId;
  }
  artifactFile(at: AttemptLocation, name: ArtifactName): string {
    return join(this.attemptDir(at), ARTIFACT_FILES[name]);
  }
  /** Where the command agent may leave its run report ($HARNESS_FINAL_PATH). */
  agentReportFile(at: AttemptLocation): string {
    return join(this.attemptDir(at), 'agent_report.json');
  }

  /** Where a file that could not be read is kept once moved out of the way (DamagedFiles). */
  setAsideFile(path: string): string {
    return `${path}.damaged`;
  }

  /** A path below the root as stored in JSON: relative, with forward slashes. */
  relative(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }
}

function segment(value: string): string {
  if (idProblem(value) && !RUN_ID_PATTERN.test(value)) throw new PathEscapeError(value, 'the runs root');
  return value;
}
