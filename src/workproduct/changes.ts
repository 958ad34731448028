import type { ChangedFile, ChangeTotals } from '../core/index.js';
import { git, type GitTarget } from './git.js';

/** What changed between two commits: per file, in all, and as a unified patch. */
export interface CommitDiff {
  files: ChangedFile[];
  totals: ChangeTotals;
  patch: string;
}

// Plumbing, so that no diff setting of whoever runs the server (external tools, colours, textconv,
// prefixes) shapes what is recorded; renames found as `git diff` finds them by default.
const DIFF_OPTIONS = ['-r', '-M', '--no-ext-diff', '--no-textconv', '--no-color', '--src-prefix=a/', '--dst-prefix=b/'];

/** The change from `base` to `head`; empty when they are one commit. */
export async function diffCommits(target: GitTarget, base: string, head: string): Promise<CommitDiff> {
  if (base === head) return { files: [], totals: { files: 0, lines_added: 0, lines_removed: 0 }, patch: '' };
  const [raw, numstat, patch] = await Promise.all([
    git(target, ['diff-tree', ...DIFF_OPTIONS, '-z', '--raw', base, head]),
    git(target, ['diff-tree', ...DIFF_OPTIONS, '-z', '--numstat', base, head]),
    git(target, ['diff-tree', ...DIFF_OPTIONS, '-p', base, head]),
  ]);
  const counts = parseNumstat(numstat);
  const files = parseRaw(raw).map((entry): ChangedFile => {
    const count = counts.get(entry.path);
    return { ...entry, lines_added: count?.added ?? 0, lines_removed: count?.removed ?? 0, binary: count?.binary ?? false };
  });
  const totals = files.reduce((t, f) => ({ files: t.files + 1, lines_added: t.lines_added + f.lines_added, lines_removed: t.lines_removed + f.lines_removed }), {
    files: 0,
    lines_added: 0,
    lines_removed: 0,
  });
  return { files, totals, patch };
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
