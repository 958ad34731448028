import { git, GitCommandError } from './git.js';
import type { Repository } from './repository.js';

/** Who a commit names as author or committer. */
export interface GitIdentity {
  name: string;
  email: string;
}

/** An author as a stored commit records it; `date` in git's raw form, `<unix seconds> <±hhmm>`. */
export interface CommitAuthor extends GitIdentity {
  date: string;
}

/** What landing needs of a commit already in the repository. */
export interface StoredCommit {
  id: string;
  tree: string;
  parents: string[];
  author: CommitAuthor;
  message: string;
}

/** Reads a commit object as git stores it, so a replay keeps its author, date and message byte for byte. */
export async function readCommit(repo: Repository, id: string): Promise<StoredCommit> {
  const raw = await git(repo.target, ['cat-file', 'commit', id]);
  // The headers end at the first empty line; a signature header's continuation lines start with a space, never empty.
  const end = raw.indexOf('\n\n');
  const headers = end === -1 ? raw : raw.slice(0, end);
  const message = end === -1 ? '' : raw.slice(end + 2);
  const tree = /^tree ([0-9a-f]+)$/m.exec(headers)?.[1];
  const author = /^author (.*) <([^>]*)> (\d+ [+-]\d{4})$/m.exec(headers);
  if (!tree || !author) throw new GitCommandError(['cat-file', 'commit', id], 0, `answered a commit without the tree and author headers git writes: ${headers.slice(0, 200)}`);
  const parents = [...headers.matchAll(/^parent ([0-9a-f]+)$/gm)].map((m) => m[1]!);
  return { id, tree, parents, author: { name: author[1]!, email: author[2]!, date: author[3]! }, message };
}

/** Writes a commit object (no ref moves) and answers its id; `author.date` absent means now. */
export async function writeCommit(
  repo: Repository,
  commit: { tree: string; parents: readonly string[]; message: string; author: GitIdentity & { date?: string }; committer: GitIdentity },
): Promise<string> {
  const env: Record<string, string> = {
    GIT_AUTHOR_NAME: commit.author.name,
    GIT_AUTHOR_EMAIL: commit.author.email,
    GIT_COMMITTER_NAME: commit.committer.name,
    GIT_COMMITTER_EMAIL: commit.committer.email,
    ...(commit.author.date ? { GIT_AUTHOR_DATE: `@${commit.author.date}` } : {}),
  };
  const message = commit.message.endsWith('\n') ? commit.message : `${commit.message}\n`;
  const args = ['commit-tree', commit.tree, ...commit.parents.flatMap((p) => ['-p', p])];
  return (await git({ ...repo.target, env: { ...repo.target.env, ...env } }, args, message)).trim();
}
