import { stat } from 'node:fs/promises';
import {
  ChangeRecordSchema,
  FileCorruptError,
  HarnessError,
  InvalidArgumentError,
  NotFoundError,
  type ChangedFile,
  type ChangeRecord,
  type ChangeTotals,
  type PlannedJob,
  type SnapshotKind,
  totalsOf,
} from '../core/index.js';
import type { BatchReader } from '../scoreboard/index.js';
import { pageOfText, readArtifactPage, type ArtifactName, type ArtifactPage, type AttemptLocation, type RunsPaths } from '../store/index.js';
import { branchTip, changeBetween, diffCommits, openRepository, RepositoryMissingError, type CommitChange } from '../workproduct/index.js';
import { isNamedBy, PatchFilter } from './patch-filter.js';

/** What get_changes and `harness-mcp diff` ask: one attempt (by run, or a step's latest), or a job's branch as a whole. */
export interface ChangesRequest {
  run_id?: string | undefined;
  batch_id?: string | undefined;
  job_id?: string | undefined;
  step_id?: string | undefined;
  include_patch: boolean;
  /** Only these files (or the files below these directories), in the list and the patch. */
  paths?: readonly string[] | undefined;
  /** Where the page of the patch starts, in bytes of the (filtered) patch. */
  patch_offset: number;
  max_patch_bytes: number;
}

/** A change as get_changes answers it. */
export interface ChangesAnswer {
  /** attempt: one attempt's change (its changes.json); job: the job's branch, base..tip, asked of git now. */
  scope: 'attempt' | 'job';
  batch_id: string;
  job_id: string;
  step_id: string | null;
  run_id: string | null;
  kind: SnapshotKind;
  repository: string;
  branch: string | null;
  base: string;
  head: string;
  /** The files listed: all of the change's, or those `paths` names. */
  files: ChangedFile[];
  /** Over the files listed (`files` says how many). */
  totals: ChangeTotals;
  overlapped_with: string[];
  patch: ArtifactPage | null;
}

/** An attempt asked for whose change is not recorded (yet): running, or it could not be snapshotted. */
export class ChangeNotRecordedError extends HarnessError {
  readonly code = 'change_not_recorded';
  constructor(
    readonly runId: string,
    readonly status: string,
  ) {
    super(
      status === 'queued' || status === 'running'
        ? `run ${runId} is ${status}: its change is recorded when it ends`
        : `run ${runId} ended ${status} with no change recorded: it never had a workspace, its workspace is a shared directory outside git (not recorded), or it could not be snapshotted (its events say why, as harness.changes.failed)`,
    );
  }
}

/** A job asked for as a whole that has no branch of its own. */
export class NoJobBranchError extends HarnessError {
  readonly code = 'no_job_branch';
  constructor(
    readonly jobId: string,
    readonly why: string,
  ) {
    super(`job ${jobId} has no branch of its own (${why}); ask for one step's change with step_id`);
  }

  override get cliMessage(): string {
    return `job ${this.jobId} has no branch of its own (${this.why}); name one of its steps: harness-mcp diff BATCH ${this.jobId} STEP`;
  }
}

interface Sources {
  reader: BatchReader;
  paths: RunsPaths;
}

/** What an attempt or a job changed (see ChangesRequest), the patch paged when asked. */
export async function readChanges(sources: Sources, request: ChangesRequest): Promise<ChangesAnswer> {
  if (request.run_id) {
    if (request.batch_id || request.job_id || request.step_id) throw new InvalidArgumentError('run_id', 'give run_id alone, or batch_id and job_id (and step_id) instead of it');
    return attemptChanges(sources, await sources.reader.locateRun(request.run_id), request);
  }
  if (!request.batch_id || !request.job_id) throw new InvalidArgumentError('run_id', 'give run_id, or batch_id and job_id (and step_id for one step)');
  const meta = await sources.reader.batchMeta(request.batch_id);
  const job = meta.jobs.find((j) => j.job_id === request.job_id);
  if (!job) throw new NotFoundError('job', request.job_id, `the jobs of batch ${meta.batch_id} are ${listed(meta.jobs.map((j) => j.job_id))}`);
  if (request.step_id) {
    if (!job.steps.some((s) => s.step_id === request.step_id)) {
      throw new NotFoundError('step', request.step_id, `the steps of job ${job.job_id} are ${listed(job.steps.map((s) => s.step_id))}`);
    }
    return attemptChanges(sources, await sources.reader.latestRun(meta.batch_id, job.job_id, request.step_id), request);
  }
  return jobChanges(meta.batch_id, job, request);
}

function listed(ids: string[]): string {
  return ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${ids.length - 10} more`;
}

async function attemptChanges(sources: Sources, at: AttemptLocation, request: ChangesRequest): Promise<ChangesAnswer> {
  const runId = sources.paths.runIdOf(at);
  const record = await readChangeRecord(sources, at, runId);
  const files = request.paths ? record.files.filter((f) => isNamedBy(f, request.paths!)) : record.files;
  let patch: ArtifactPage | null = null;
  if (request.include_patch) {
    patch = request.paths
      ? pageOfPatch(await filteredArtifact(sources.paths, at, 'diff', files), request)
      : await asPatchOffset(() => readArtifactPage(sources.paths, at, 'diff', request.patch_offset, request.max_patch_bytes));
  }
  return {
    scope: 'attempt',
    batch_id: at.batchId,
    job_id: at.jobId,
    step_id: at.stepId,
    run_id: runId,
    kind: record.kind,
    repository: record.repository,
    branch: record.branch,
    base: record.base,
    head: record.head,
    files,
    totals: request.paths ? totalsOf(files) : record.totals,
    overlapped_with: record.overlapped_with,
    patch,
  };
}

/** changes.json of an attempt; an attempt without one is a ChangeNotRecordedError saying why. */
async function readChangeRecord(sources: Sources, at: AttemptLocation, runId: string): Promise<ChangeRecord> {
  const text = await readWholeArtifact(sources.paths, at, 'changes').catch(async (error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error;
    const { state } = await sources.reader.findAttempt(runId);
    throw new ChangeNotRecordedError(runId, state.status);
  });
  const parsed = ChangeRecordSchema.safeParse(parseJson(text));
  if (!parsed.success) throw new FileCorruptError(sources.paths.artifactFile(at, 'changes'), parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // refused by the schema, which names the file
  }
}

// changes.json of a change of many files outgrows one page; it is read in pages of this.
const RECORD_PAGE_BYTES = 1024 * 1024;

async function readWholeArtifact(paths: RunsPaths, at: AttemptLocation, name: ArtifactName): Promise<string> {
  let text = '';
  for (let offset = 0; ; ) {
    const page = await readArtifactPage(paths, at, name, offset, RECORD_PAGE_BYTES);
    text += page.content;
    if (page.eof) return text;
    offset = page.next_offset;
  }
}

/** The sections of an artifact patch that belong to `files`, read in pages of RECORD_PAGE_BYTES, whatever page the caller asked for. */
async function filteredArtifact(paths: RunsPaths, at: AttemptLocation, name: ArtifactName, files: ChangedFile[]): Promise<string> {
  const filter = new PatchFilter(files);
  let kept = '';
  for (let offset = 0; ; ) {
    const page = await readArtifactPage(paths, at, name, offset, RECORD_PAGE_BYTES);
    kept += filter.push(page.content);
    if (page.eof) return kept + filter.end();
    offset = page.next_offset;
  }
}

async function jobChanges(batchId: string, job: PlannedJob, request: ChangesRequest): Promise<ChangesAnswer> {
  const git = job.git;
  if (job.workspace_policy !== 'isolated') throw new NoJobBranchError(job.job_id, 'its workspace is shared: its steps change working_directory itself');
  if (git === undefined) throw new NoJobBranchError(job.job_id, 'its batch was planned before jobs had branches');
  if (git === null || !git.branch) throw new NoJobBranchError(job.job_id, `${job.working_directory} is not in a git repository`);
  const found = await stat(git.repository).catch(() => null);
  if (!found?.isDirectory()) throw new RepositoryMissingError(git.repository, 'is gone (moved or deleted?)');
  const repo = await openRepository(git.repository);
  const head = await branchTip(repo, git.branch);
  if (head === null) throw new NotFoundError('job', `${job.job_id}'s branch ${git.branch}`, `${git.repository} has no such branch: no attempt of the job has started yet, or the branch was pruned`);
  // The patch only when asked for: a large change makes it the costly part.
  const diff: CommitChange & { patch?: string } = request.include_patch ? await diffCommits(repo.target, git.base_commit, head) : await changeBetween(repo.target, git.base_commit, head);
  const files = request.paths ? diff.files.filter((f) => isNamedBy(f, request.paths!)) : diff.files;
  let patch: ArtifactPage | null = null;
  if (diff.patch !== undefined) {
    const filter = request.paths ? new PatchFilter(files) : null;
    patch = pageOfPatch(filter ? filter.push(diff.patch) + filter.end() : diff.patch, request);
  }
  return {
    scope: 'job',
    batch_id: batchId,
    job_id: job.job_id,
    step_id: null,
    run_id: null,
    kind: 'branch',
    repository: repo.commonDir,
    branch: git.branch,
    base: git.base_commit,
    head,
    files,
    totals: request.paths ? totalsOf(files) : diff.totals,
    overlapped_with: [],
    patch,
  };
}

function pageOfPatch(patch: string, request: ChangesRequest): ArtifactPage {
  return asPatchOffset(() => pageOfText(patch, request.patch_offset, request.max_patch_bytes, 'the patch'));
}

/** A page read at an offset past the end names the field the caller gave it in: patch_offset. */
function asPatchOffset<T>(read: () => T): T {
  const renamed = (error: unknown): never => {
    if (error instanceof InvalidArgumentError && error.field === 'offset') throw new InvalidArgumentError('patch_offset', error.message.replace(/^offset: /, ''));
    throw error;
  };
  try {
    const value = read();
    return (value instanceof Promise ? value.catch(renamed) : value) as T;
  } catch (error) {
    return renamed(error);
  }
}

