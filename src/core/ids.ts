import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** The one pattern every batch, job and step id must match (docs/spec.md §3). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

// Names Windows refuses as file names, whatever the extension; ids become directory names.
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** Why `value` cannot be an id, or undefined when it can. */
export function idProblem(value: string): string | undefined {
  if (!ID_PATTERN.test(value)) return `must match ${ID_PATTERN.source}`;
  if (value.includes('..')) return 'must not contain `..`';
  if (value.endsWith('.')) return 'must not end with `.` (Windows drops it)';
  if (WINDOWS_RESERVED.test(value)) return 'must not be a Windows-reserved name (CON, PRN, AUX, NUL, COM1…, LPT1…)';
  return undefined;
}

/**
 * The names a job directory holds besides its steps' directories (src/store/paths.ts builds the
 * paths from them). A step id is a directory name there too, so none may be one of these: a
 * step called `workspace` would put its attempts, session stores and all, inside the job's
 * worktree, where snapshots commit what they find.
 */
export const JOB_DIR_NAMES = { current: 'current.json', workspace: 'workspace', workspacePartial: 'workspace.partial', landed: 'landed.json', branchChange: 'branch.json' } as const;

/** Why `stepId` cannot name a step's directory, or undefined when it can. */
export function reservedStepIdProblem(stepId: string): string | undefined {
  const taken = Object.values(JOB_DIR_NAMES).find((name) => name === stepId.toLowerCase());
  return taken && `\`${stepId}\` is reserved: the job directory keeps its ${taken} under that name`;
}

export const IdSchema = z
  .string()
  .superRefine((value, ctx) => {
    const problem = idProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `\`${value}\` ${problem}` });
  })
  .meta({ pattern: ID_PATTERN.source, description: 'Letters, digits, `.`, `_`, `-`; no `..`; at most 64' });

// 16 lowercase hex digits: 64 random bits, unique across stores in practice and safe in paths.
export const RUN_ID_PATTERN = /^[0-9a-f]{16}$/;
export const RunIdSchema = z.string().regex(RUN_ID_PATTERN, 'run_id is 16 lowercase hex digits');

export function createRunId(): string {
  return randomBytes(8).toString('hex');
}

/** A batch id for submissions that bring none: `batch-20261121-121314-ab12cd`. */
export function createBatchId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `batch-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** `2026-11-21T12:13:14.123Z` → `20261121T121314123Z`: sortable and safe in a file name. */
export function compactUtc(iso: string): string {
  return iso.replace(/[-:.]/g, '');
}
