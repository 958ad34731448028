/**
 * Every error the harness throws on purpose: a stable `code` callers branch on, a message
 * that names the offending value, and the context as fields.
 */
export abstract class HarnessError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The message for a person at a terminal: the same, except where `message` names MCP tools. */
  get cliMessage(): string {
    return this.message;
  }
}

/** What to do next, in the words of each surface: MCP tools for a client, commands at a terminal. */
export interface SurfaceHint {
  mcp: string;
  cli: string;
}

/** The hints that point at where ids are listed, shared by every lookup that can miss. */
export const WHERE_IDS_ARE = {
  batch: { mcp: 'list_batches shows the batches in this store', cli: '`harness-mcp status` lists the batches in this store' },
  run: { mcp: 'run ids are in get_scoreboard answers', cli: 'run ids are in `harness-mcp status BATCH`' },
} satisfies Record<string, SurfaceHint>;

/** One problem of a submission, at a JSON path such as `jobs[0].steps[1].depends_on[0]`. */
export interface ValidationProblem {
  path: string;
  message: string;
}

export class LaunchTableInvalidError extends HarnessError {
  readonly code = 'launch_table_invalid';
  constructor(readonly problems: ValidationProblem[]) {
    super(
      `The launch table has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was written:\n` +
        problems.map((p) => `- ${p.path}: ${p.message}`).join('\n'),
    );
  }
}

export class InvalidArgumentError extends HarnessError {
  readonly code = 'invalid_argument';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export class NotFoundError extends HarnessError {
  readonly code = 'not_found';
  constructor(
    readonly kind: 'batch' | 'job' | 'step' | 'run' | 'artifact' | 'task' | 'worker',
    readonly id: string,
    private readonly hint: string | SurfaceHint = '',
  ) {
    super(NotFoundError.describe(kind, id, typeof hint === 'string' ? hint : hint.mcp));
  }

  override get cliMessage(): string {
    return NotFoundError.describe(this.kind, this.id, typeof this.hint === 'string' ? this.hint : this.hint.cli);
  }

  private static describe(kind: string, id: string, hint: string): string {
    return `No ${kind} \`${id}\`${hint ? `; ${hint}` : ''}`;
  }
}

export class TerminalStateError extends HarnessError {
  readonly code = 'attempt_terminal';
  constructor(
    readonly runId: string,
    readonly status: string,
  ) {
    super(`Attempt ${runId} is already ${status}; a terminal state never changes`);
  }
}

export class WriteOnceError extends HarnessError {
  readonly code = 'write_once';
  constructor(readonly path: string) {
    super(`${path} already exists and is write-once`);
  }
}

export class FileCorruptError extends HarnessError {
  readonly code = 'file_corrupt';
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} does not hold what harness-mcp expects: ${detail}`, options);
  }
}

/** A file of the runs root that is there but cannot be read (permissions, an I/O error). */
export class FileUnreadableError extends HarnessError {
  readonly code = 'file_unreadable';
  constructor(
    readonly path: string,
    readonly errorCode: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} cannot be read (${errorCode}); check its permissions and the disk`, options);
  }
}

export class PathEscapeError extends HarnessError {
  readonly code = 'path_escape';
  constructor(
    readonly requested: string,
    readonly root: string,
  ) {
    super(`\`${requested}\` resolves outside ${root}; refused`);
  }
}

/** An artifact that is not plainly a file the attempt wrote: a link, a hard link, a device. */
export class UnsafeArtifactError extends HarnessError {
  readonly code = 'path_escape';
  constructor(file: string, why: string) {
    super(`\`${file}\` ${why}; refused: an artifact is served only as a regular file of its own attempt directory`);
  }
}

/** The filesystem refused a write the request needed (full, over quota, read-only); nothing of the request was kept. */
export class StorageRefusedError extends HarnessError {
  readonly code = 'storage_error';
  constructor(what: string, cause: unknown) {
    super(`could not ${what}: ${(cause as Error).message}; nothing was written. Free space on the runs root's filesystem (harness-mcp gc removes old batches) and try again`, { cause });
  }
}

export class ConfigInvalidError extends HarnessError {
  readonly code = 'config_invalid';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Harness config ${source} is invalid:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  }
}

/** The distributed mode's Redis address or server cannot be used as given. */
export class RedisConfigError extends HarnessError {
  readonly code = 'redis_invalid';
}

/**
 * The distributed mode's coordinator lost its lease (another one holds it, or Redis was away
 * past it): what it had under way is left to the workers and to the next coordinator.
 */
export class CoordinatorSteppedDownError extends HarnessError {
  readonly code = 'coordinator_stepped_down';
}

export class StoreLockedError extends HarnessError {
  readonly code = 'runs_locked';
  constructor(
    readonly runsRoot: string,
    readonly ownerPid: number | undefined,
  ) {
    super(
      `${runsRoot} is run by another harness-mcp${ownerPid ? ` (pid ${ownerPid})` : ''}; this server is read-only. ` +
        'Stop the other server, or start this one with a different --runs-dir.',
    );
  }

  override get cliMessage(): string {
    return `${this.runsRoot} is run by another harness-mcp${this.ownerPid ? ` (pid ${this.ownerPid})` : ''}; stop it, or give a different --runs-dir`;
  }
}

/** The kernel lock on a file inside the runs root cannot be taken at all (not: another server holds it). */
export class FileLockUnavailableError extends HarnessError {
  readonly code = 'lock_unavailable';
  constructor(
    readonly path: string,
    why: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot lock ${path}: ${why}; harness-mcp needs it to keep a second server off the runs root`, options);
  }
}

/** A runs root that cannot be one: an empty path (the cwd), the top of a source checkout, a typo. */
export class RunsRootInvalidError extends HarnessError {
  readonly code = 'runs_root_invalid';
  constructor(
    readonly runsRoot: string,
    message: string,
  ) {
    super(message);
  }
}

/** A terminal command that needs the server of a runs root, when none runs it. */
export class NoServerError extends HarnessError {
  readonly code = 'no_server';
  constructor(
    readonly runsRoot: string,
    detail: string,
  ) {
    super(`no harness-mcp server runs ${runsRoot}; ${detail}`);
  }
}

export class IllegalStateError extends HarnessError {
  readonly code = 'illegal_state';
}

export class BatchExistsError extends HarnessError {
  readonly code = 'batch_exists';
  constructor(readonly batchId: string) {
    super(`batch_id \`${batchId}\` is already in the store; choose another id or omit it to have one generated`);
  }
}

export class IdempotencyConflictError extends HarnessError {
  readonly code = 'idempotency_conflict';
  constructor(
    readonly key: string,
    readonly batchId: string,
  ) {
    super(`idempotency_key \`${key}\` was used for batch ${batchId} with a different launch table; use a new key for a new batch`);
  }
}

/** A resume_from the agent cannot honour: the attempt ends needs_attention with this reason. */
export class ResumeUnavailableError extends HarnessError {
  readonly code = 'resume_unavailable';
  constructor(
    readonly sourceRunId: string,
    detail: string,
  ) {
    super(`cannot resume run ${sourceRunId}: ${detail}`);
  }
}

// errno codes of a filesystem that refuses a write: full, over quota, not permitted, read-only, failing.
const STORAGE_ERROR_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EROFS', 'EIO']);

/** Whether an error, or one it wraps (`cause`, followed down), is the filesystem refusing a write, by its errno code. */
export function isStorageError(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let at = error; typeof at === 'object' && at !== null && !seen.has(at); at = (at as { cause?: unknown }).cause) {
    seen.add(at);
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string' && STORAGE_ERROR_CODES.has(code)) return true;
  }
  return false;
}
