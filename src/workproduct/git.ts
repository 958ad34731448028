import { HarnessError } from '../core/index.js';
import { runCommand } from '../process/index.js';

/** A git command that failed where the harness needed it to succeed. */
export class GitCommandError extends HarnessError {
  readonly code = 'git_failed';
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${argv.join(' ')} failed (exit ${exitCode ?? 'none'}): ${stderr.trim() || 'no message'}`);
  }
}

/** Where and how one git command runs. */
export interface GitTarget {
  /** The directory git runs in (a work tree, or any directory of the repository). */
  cwd: string;
  /** A private index (GIT_INDEX_FILE), so the work tree's own index is never touched. */
  indexFile?: string;
  /** An explicit repository and work tree, for the private repository of a plain directory. */
  gitDir?: string;
  workTree?: string;
  env?: Record<string, string>;
}

// Settings that would make plumbing depend on whoever runs the server, or run someone else's code
// in it: a signing key it cannot reach, a pager, advice, quoted paths the parsers do not expect,
// and what a repository's config can make git execute (an fsmonitor command, hooks such as
// reference-transaction). An agent can write the config of the repository its worktree shares,
// and the server runs outside the agent's sandbox, so none of those may run here.
const NEUTRAL_CONFIG = [
  ...['-c', 'commit.gpgSign=false', '-c', 'core.quotePath=false', '-c', 'advice.detachedHead=false', '-c', 'core.pager=cat'],
  ...['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', '-c', 'core.untrackedCache=false', '-c', 'core.safecrlf=false'],
];

function environment(target: GitTarget): Record<string, string> {
  return {
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    ...(target.indexFile ? { GIT_INDEX_FILE: target.indexFile } : {}),
    ...(target.gitDir ? { GIT_DIR: target.gitDir } : {}),
    ...(target.workTree ? { GIT_WORK_TREE: target.workTree } : {}),
    ...target.env,
  };
}

// Commands a repository's config can have git run for paths its attributes name: content
// filters (on add, checkout, status) and merge drivers (on merge-tree).
const DRIVER_KEYS = '^(filter|merge)\\..+\\.(clean|smudge|process|driver)$';

/**
 * `target` with every filter and merge driver the repository configures switched off, through
 * GIT_CONFIG_COUNT: filters become no filter (and not required), merge drivers `false`, which
 * git takes as a conflict. An agent can configure them in the repository its worktree shares,
 * and what they name would run in the server. Asked afresh each time: the config can change.
 */
export async function withoutDrivers(target: GitTarget): Promise<GitTarget> {
  const listed = await tryGit(target, ['config', '--name-only', '--get-regexp', DRIVER_KEYS]);
  const keys = listed.exitCode === 0 ? [...new Set(listed.stdout.split('\n').filter(Boolean))] : [];
  const overrides: [string, string][] = keys.flatMap((key): [string, string][] => {
    if (key.startsWith('merge.')) return [[key, 'false']];
    const filter = key.slice(0, key.lastIndexOf('.'));
    return [[key, ''], [`${filter}.required`, 'false']];
  });
  if (overrides.length === 0) return target;
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(overrides.length) };
  overrides.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return { ...target, env: { ...target.env, ...env } };
}

/** Runs git and answers its exit code and output, failing or not. */
export async function tryGit(target: GitTarget, args: readonly string[], input?: string): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return runCommand(['git', ...NEUTRAL_CONFIG, ...args], target.cwd, environment(target), input);
}

/** Runs git and answers its stdout; a non-zero exit throws GitCommandError. */
export async function git(target: GitTarget, args: readonly string[], input?: string): Promise<string> {
  const result = await tryGit(target, args, input);
  if (result.exitCode !== 0) throw new GitCommandError(args, result.exitCode, result.stderr);
  return result.stdout;
}

let version: Promise<readonly [number, number, number] | null> | undefined;

/** The version of the machine's git, asked once; null when there is no git. */
export function gitVersion(): Promise<readonly [number, number, number] | null> {
  version ??= runCommand(['git', '--version'], process.cwd()).then(
    (r) => {
      const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(r.stdout);
      return r.exitCode === 0 && match ? ([Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] as const) : null;
    },
    () => null,
  );
  return version;
}
