import type { ChangedFile } from '../core/index.js';

/**
 * Keeps the sections of a unified patch (as `git diff-tree -p` writes it) that belong to some of
 * its files. A section starts at its `diff --git a/<old> b/<new>` line; no line of a hunk can
 * start so (hunk lines start with a space, +, -, \ or @@). Fed in pieces, it holds only the
 * unfinished last line, so a patch read page by page is filtered without being held whole.
 */
export class PatchFilter {
  private readonly headers: Set<string>;
  private keeping = false;
  private rest = '';

  constructor(files: readonly ChangedFile[]) {
    this.headers = new Set(files.map(sectionHeader));
  }

  /** What to keep of `text` (the next piece of the patch). */
  push(text: string): string {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop()!;
    let kept = '';
    for (const line of lines) kept += this.keep(line) ? `${line}\n` : '';
    return kept;
  }

  /** What to keep of the end of the patch (a last line without a newline). */
  end(): string {
    const last = this.rest;
    this.rest = '';
    return last !== '' && this.keep(last) ? last : '';
  }

  private keep(line: string): boolean {
    if (line.startsWith('diff --git ')) this.keeping = this.headers.has(line);
    return this.keeping;
  }
}

/** The first line of a file's section, with git's quoting of unusual paths (core.quotePath=false). */
function sectionHeader(file: ChangedFile): string {
  return `diff --git ${quotedPath(`a/${file.old_path ?? file.path}`)} ${quotedPath(`b/${file.path}`)}`;
}

const ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r', '"': '\\"', '\\': '\\\\' };

/** A path as git writes it in a patch header: as it is, or in C quotes when it holds a quote, a backslash or a control character. */
function quotedPath(path: string): string {
  if (!/["\\\x00-\x1f\x7f]/.test(path)) return path;
  let quoted = '';
  for (const char of path) {
    const code = char.charCodeAt(0);
    quoted += ESCAPES[char] ?? (code < 0x20 || code === 0x7f ? `\\${code.toString(8).padStart(3, '0')}` : char);
  }
  return `"${quoted}"`;
}

/** Whether a file is named by one of `paths`: its path (or its old path) is one of them or lies below one. */
export function isNamedBy(file: ChangedFile, paths: readonly string[]): boolean {
  const names = file.old_path ? [file.path, file.old_path] : [file.path];
  return paths.some((p) => {
    const dir = p.replace(/\/+$/, '');
    return names.some((name) => name === dir || name.startsWith(`${dir}/`));
  });
}
