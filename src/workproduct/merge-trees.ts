import { GitCommandError, tryGit } from './git.js';
import type { Repository } from './repository.js';

/** A three-way merge computed without a work tree: its tree, or what conflicts. */
export type TreeMerge = { clean: true; tree: string } | { clean: false; paths: string[]; messages: string[] };

/**
 * Merges two commits as `git merge` would (base: their merge base), writing only objects: no
 * ref, index or file changes. Needs git 2.38 (`merge-tree --write-tree`).
 */
export async function mergeTrees(repo: Repository, ours: string, theirs: string): Promise<TreeMerge> {
  const args = ['merge-tree', '--write-tree', '-z', '--name-only', ours, theirs];
  const answer = await tryGit(repo.target, args);
  // Exit 0 is a clean merge, 1 a merge with conflicts; anything else is a merge that could not be computed.
  if (answer.exitCode !== 0 && answer.exitCode !== 1) throw new GitCommandError(args, answer.exitCode, answer.stderr);
  const fields = answer.stdout.split('\0');
  if (answer.exitCode === 0) return { clean: true, tree: fields[0]!.trim() };
  return { clean: false, ...readConflicts(fields.slice(1)) };
}

/**
 * The two sections after the tree in `merge-tree --write-tree -z --name-only` output (git 2.38+):
 * the conflicted paths, each NUL-ended, then an empty field; then per message
 * `<count>NUL<path>NUL…<type>NUL<text>NUL`. A conflict's message may name more paths than its
 * entries do (the other side of a rename), so the paths come from both sections.
 */
function readConflicts(fields: string[]): { paths: string[]; messages: string[] } {
  const paths = new Set<string>();
  let i = 0;
  for (; i < fields.length && fields[i] !== ''; i++) paths.add(fields[i]!);
  const messages: string[] = [];
  for (i++; i < fields.length && fields[i] !== ''; ) {
    const count = Number(fields[i]);
    const named = fields.slice(i + 1, i + 1 + count);
    const type = fields[i + 1 + count] ?? '';
    const text = (fields[i + 2 + count] ?? '').trim();
    i += count + 3;
    if (!type.startsWith('CONFLICT')) continue;
    named.forEach((p) => paths.add(p));
    messages.push(text);
  }
  return { paths: [...paths].sort(), messages };
}
