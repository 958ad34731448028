// A unified patch (git diff) cut into files, hunks and lines, for the diff view to draw.

export type DiffLineKind = 'add' | 'del' | 'context' | 'note';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  oldLine: number | null;
  newLine: number | null;
}

export interface DiffHunk {
  header: string;
  lines: DiffLine[];
}

export interface DiffFile {
  /** The path after (b/), or before for a deleted file. */
  path: string;
  hunks: DiffHunk[];
  /** git's words for a file without hunks (a binary file, a mode change). */
  notes: string[];
}

const FILE_HEADER = /^diff --git a\/(.*) b\/(.*)$/;
const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parsePatch(patch: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let hunk: DiffHunk | undefined;
  let oldLine = 0;
  let newLine = 0;
  for (const line of patch.split('\n')) {
    const header = FILE_HEADER.exec(line);
    if (header) {
      file = { path: header[2]!, hunks: [], notes: [] };
      files.push(file);
      hunk = undefined;
      continue;
    }
    if (!file) continue;
    const at = HUNK_HEADER.exec(line);
    if (at) {
      oldLine = Number(at[1]);
      newLine = Number(at[2]);
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      continue;
    }
    if (!hunk) {
      // Before the first hunk: index, mode and ---/+++ lines; only what says more than the list is kept.
      if (/^(Binary files|new file mode|deleted file mode|old mode|new mode|similarity index|rename from|rename to)/.test(line)) file.notes.push(line);
      continue;
    }
    const mark = line[0];
    const text = line.slice(1);
    if (mark === '+') hunk.lines.push({ kind: 'add', text, oldLine: null, newLine: newLine++ });
    else if (mark === '-') hunk.lines.push({ kind: 'del', text, oldLine: oldLine++, newLine: null });
    else if (mark === ' ') hunk.lines.push({ kind: 'context', text, oldLine: oldLine++, newLine: newLine++ });
    else if (mark === '\\') hunk.lines.push({ kind: 'note', text: line, oldLine: null, newLine: null });
  }
  return files;
}
