import { totalsOf, type ChangedFile, type ChangeTotals } from '../core/index.js';
import { git, type GitTarget } from './git.js';

/** What changed between two commits: per file, and in all. */
export interface CommitChange {
  files: ChangedFile[];
  totals: ChangeTotals;
}

/** The same, with the unified patch. */
export interface CommitDiff extends CommitChange {
  patch: string;
}

// Plumbing, so that no diff setting of whoever runs the server (external tools, colours, textconv,
// prefixes) shapes what is recorded; renames found as `git diff` finds them by default.
const DIFF_OPTIONS = ['-r', '-M', '--no-ext-diff', '--no-textconv', '--no-color', '--src-prefix=a/', '--dst-prefix=b/'];

/** The change from `base` to `head`, with its patch; empty when they are one commit. */
export async function diffCommits(target: GitTarget, base: string, head: string): Promise<CommitDiff> {
  if (base === head) return { ...(await changeBetween(target, base, head)), patch: '' };
  const [change, patch] = await Promise.all([changeBetween(target, base, head), git(target, ['diff-tree', ...DIFF_OPTIONS, '-p', base, head])]);
  return { ...change, patch };
}

/** The change from `base` to `head` by file, without the patch (which a large change makes costly). */
export async function changeBetween(target: GitTarget, base: string, head: string): Promise<CommitChange> {
  if (base === head) return { files: [], totals: totalsOf([]) };
  const [raw, numstat] = await Promise.all([
    git(target, ['diff-tree', ...DIFF_OPTIONS, '-z', '--raw', base, head]),
    git(target, ['diff-tree', ...DIFF_OPTIONS, '-z', '--numstat', base, head]),
  ]);
  const counts = parseNumstat(numstat);
  const files = parseRaw(raw).map((entry): ChangedFile => {
    const count = counts.get(entry.path);
    return { ...entry, lines_added: count?.added ?? 0, lines_removed: count?.removed ?? 0, binary: count?.binary ?? false };
  });
  return { files, totals: totalsOf(files) };
}

type RawEntry = Pick<ChangedFile, 'path' | 'old_path' | 'status'>;

/** `--raw -z`: `:<old mode> <new mode> <old blob> <new blob> <status>\0<path>\0`, with a second path after renames. */
function parseRaw(output: string): RawEntry[] {
  const fields = output.split('\0');
  const entries: RawEntry[] = [];
  for (let i = 0; i + 1 < fields.length; ) {
    const [oldMode, newMode, oldBlob, newBlob, status] = fields[i]!.slice(1).split(' ') as [string, string, string, string, string];
    const letter = status[0];
    if (letter === 'R' || letter === 'C') {
      entries.push({ path: fields[i + 2]!, old_path: fields[i + 1]!, status: 'renamed' });
      i += 3;
      continue;
    }
    const path = fields[i + 1]!;
    i += 2;
    if (letter === 'A') entries.push({ path, old_path: null, status: 'added' });
    else if (letter === 'D') entries.push({ path, old_path: null, status: 'deleted' });
    else entries.push({ path, old_path: null, status: oldBlob === newBlob && oldMode !== newMode ? 'mode' : 'modified' });
  }
  return entries;
}

/** `--numstat -z`: `<added>\t<removed>\t<path>\0`, or `…\t\0<old>\0<new>\0` for a rename; `-` counts for a binary file. */
function parseNumstat(output: string): Map<string, { added: number; removed: number; binary: boolean }> {
  const counts = new Map<string, { added: number; removed: number; binary: boolean }>();
  const fields = output.split('\0');
  for (let i = 0; i < fields.length && fields[i] !== ''; ) {
    const [added, removed, path] = fields[i]!.split('\t') as [string, string, string];
    const binary = added === '-';
    const count = { added: binary ? 0 : Number(added), removed: binary ? 0 : Number(removed), binary };
    if (path === '') {
      counts.set(fields[i + 2]!, count);
      i += 3;
    } else {
      counts.set(path, count);
      i += 1;
    }
  }
  return counts;
}
