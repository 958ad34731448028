import { writeFile } from 'node:fs/promises';
import { ChangeRecordSchema, nowIso, type AttemptState, type ChangeRecord, type KeyedSerial, type ChangeSummary, type PlannedJob } from '../core/index.js';
import { readBranchChange, writeBranchChange, writeJsonAtomic, type AttemptLocation, type EventLog, type RunsPaths } from '../store/index.js';
import { changeBetween, diffCommits, keepUnderRef, openSnapshotSpace, takeSnapshot, type GitIdentity, type SnapshotSpace } from '../workproduct/index.js';
import type { Workspace } from './workspace.js';
import type { WorkspaceOccupancy } from './workspace-occupancy.js';

/** An attempt's workspace as it started, kept to tell what the attempt changed. */
export interface ChangeTracking {
  space: SnapshotSpace;
  root: string;
  start: string;
  /** The commit the job's branch started from (base_commit), for an isolated job's own worktree; else null. */
  branchBase: string | null;
}

export interface ChangeRecorderContext {
  paths: RunsPaths;
  occupancy: WorkspaceOccupancy;
  identity: GitIdentity;
  /** Snapshots of one workspace are taken one at a time (steps of a job may end together). */
  serial: KeyedSerial;
}

/** refs/harness/<batch>/<job>/<run>/{start,end}: where every attempt's two snapshots are kept, whatever the kind. */
function snapshotRef(at: AttemptLocation, runId: string, end: 'start' | 'end'): string {
  return `refs/harness/${at.batchId}/${at.jobId}/${runId}/${end}`;
}

/**
 * Snapshots the workspace as the attempt starts (docs/spec.md §6.1): on the job's branch in its
 * worktree (what an earlier attempt cut short left is committed there first), under refs in a
 * shared git working directory, in the job's private repository outside git. Null, with the
 * reason in the event log, when git cannot: the attempt runs all the same, unrecorded.
 */
export async function trackChanges(ctx: ChangeRecorderContext, at: AttemptLocation, state: AttemptState, job: PlannedJob, workspace: Workspace, events: EventLog): Promise<ChangeTracking | null> {
  // A shared directory outside git has no copy of its own to compare against, and may be any
  // directory (a home); hashing all of it twice per attempt is not paid for every step.
  if (!workspace.inGitRepo && job.workspace_policy === 'shared') return null;
  try {
    const branch = job.workspace_policy === 'isolated' && workspace.inGitRepo ? job.git?.branch : undefined;
    const space = await openSnapshotSpace({
      root: workspace.root,
      inGitRepo: workspace.inGitRepo,
      worktreeOf: branch && job.git ? { repository: job.git.repository, branch } : null,
      privateGitDir: ctx.paths.privateSnapshotsDir(at.batchId, at.jobId),
      neverInclude: [ctx.paths.root],
      env: { HARNESS_RUN_ID: state.run_id },
    });
    const branchBase = space.kind === 'branch' ? (job.git?.base_commit ?? null) : null;
    const message = `${at.stepId} attempt ${state.attempt}: the workspace as it started\n\n${trailers(at, state.run_id, 'running')}`;
    const start = await ctx.serial.run(snapshotKey(workspace.root), async () => {
      const { commit } = await takeSnapshot(space, { indexFile: ctx.paths.snapshotIndexFile(at), message, identity: ctx.identity });
      await keepUnderRef(space, snapshotRef(at, state.run_id, 'start'), commit);
      ctx.occupancy.enter(workspace.root, state.run_id);
      if (branchBase) await recordBranchChange(ctx, at, space, branchBase, commit, events);
      return commit;
    });
    return { space, root: workspace.root, start, branchBase };
  } catch (error) {
    events.append('harness.changes.failed', { phase: 'start', message: (error as Error).message });
    return null;
  }
}

/**
 * Snapshots the workspace as the attempt ended, whatever its outcome, and writes changes.json and
 * diff.patch. The commit is `<step> attempt <n>: <summary>` with Harness-* trailers; none is made
 * when nothing changed. Null, with the reason in the event log, when it could not be recorded.
 */
export async function recordChanges(
  ctx: ChangeRecorderContext,
  at: AttemptLocation,
  tracking: ChangeTracking,
  ended: AttemptState,
  summary: string | null,
  events: EventLog,
): Promise<ChangeSummary | null> {
  const overlapped = ctx.occupancy.leave(tracking.root, ended.run_id);
  try {
    const { space, start } = tracking;
    const message = `${at.stepId} attempt ${ended.attempt}: ${headline(summary ?? outcomeLine(ended))}\n\n${trailers(at, ended.run_id, ended.status)}`;
    const parent = space.kind === 'private' ? start : undefined;
    // Kept on the job's branch too: an agent may rewrite the branch, a ref it does not know of stays.
    const refs = { start: snapshotRef(at, ended.run_id, 'start'), end: snapshotRef(at, ended.run_id, 'end') };
    const { commit: head, nestedRepositories } = await ctx.serial.run(snapshotKey(tracking.root), async () => {
      const snapshot = await takeSnapshot(space, { indexFile: ctx.paths.snapshotIndexFile(at), message, identity: ctx.identity, parent });
      await keepUnderRef(space, refs.end, snapshot.commit);
      if (tracking.branchBase) await recordBranchChange(ctx, at, space, tracking.branchBase, snapshot.commit, events);
      return snapshot;
    });
    const diff = await diffCommits(space.target, start, head);
    const record: ChangeRecord = {
      run_id: ended.run_id,
      kind: space.kind,
      repository: space.gitDir,
      base: start,
      head,
      branch: space.branchRef?.replace(/^refs\/heads\//, '') ?? null,
      refs,
      files: diff.files,
      totals: diff.totals,
      overlapped_with: overlapped,
      nested_repositories: nestedRepositories,
      written_at: nowIso(),
    };
    // The patch first: a changes.json on disk vouches for a whole diff.patch beside it.
    await writeFile(ctx.paths.artifactFile(at, 'diff'), diff.patch);
    await writeJsonAtomic(ctx.paths.artifactFile(at, 'changes'), ChangeRecordSchema.parse(record));
    return { start_commit: start, end_commit: head, ...diff.totals };
  } catch (error) {
    events.append('harness.changes.failed', { phase: 'end', message: (error as Error).message });
    return null;
  }
}

/**
 * Writes branch.json: the job's change as a whole, base..tip, after a snapshot that moved the
 * branch. Called in the workspace's turn, so the file is written in the order the branch moved
 * and the last one written names the tip; a failure is said in the event log and costs only
 * this file (the attempt's own record is made all the same).
 */
async function recordBranchChange(ctx: ChangeRecorderContext, at: AttemptLocation, space: SnapshotSpace, base: string, tip: string, events: EventLog): Promise<void> {
  try {
    // One that cannot be read is written again: it is derived from the branch alone.
    const written = await readBranchChange(ctx.paths, at.batchId, at.jobId).catch(() => undefined);
    if (written?.head === tip && written.base === base) return;
    const { totals } = await changeBetween(space.target, base, tip);
    const branch = space.branchRef!.replace(/^refs\/heads\//, '');
    await writeBranchChange(ctx.paths, { batch_id: at.batchId, job_id: at.jobId, repository: space.gitDir, branch, base, head: tip, ...totals, written_at: nowIso() });
  } catch (error) {
    events.append('harness.changes.failed', { phase: 'branch', message: (error as Error).message });
  }
}

function snapshotKey(root: string): string {
  return `snapshot:${root}`;
}

function trailers(at: AttemptLocation, runId: string, status: string): string {
  return `Harness-Batch: ${at.batchId}\nHarness-Job: ${at.jobId}\nHarness-Step: ${at.stepId}\nHarness-Run: ${runId}\nHarness-Status: ${status}\n`;
}

/** Without a report summary: how the attempt ended, and why when it went wrong. */
function outcomeLine(ended: AttemptState): string {
  return ended.status === 'succeeded' || !ended.message ? ended.status : `${ended.status}: ${ended.message}`;
}

/** The first line of a summary, short enough for a commit subject. */
function headline(text: string): string {
  const line = text.split('\n', 1)[0]!.trim();
  return line.length > 100 ? `${line.slice(0, 99)}…` : line || 'no summary';
}
