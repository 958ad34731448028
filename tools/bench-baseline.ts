// The built server of a past commit, for benchmarks that put it beside today's in one run. Kept
// under the OS temp dir, keyed on the commit, so later runs reuse it; nothing is written into the
// repository (git archive reads it, no worktree is registered).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const repo = fileURLToPath(new URL('..', import.meta.url));
const ourModules = join(repo, 'node_modules');

interface Lockfile {
  packages: Record<string, { version?: string }>;
}

/**
 * The build needs only the compiler and the type packages, which the benchmark does not run;
 * they are taken from this checkout when its lockfile pins the same versions, so the past
 * commit's `npm ci` installs only what its server runs with (its MCP SDK among them).
 */
function buildToolsDiffering(theirs: Lockfile, ours: Lockfile): string[] {
  return Object.entries(theirs.packages)
    .filter(([path]) => path === 'node_modules/typescript' || path.startsWith('node_modules/@types/'))
    .filter(([path, entry]) => ours.packages[path]?.version !== entry.version)
    .map(([path, entry]) => `${path.slice('node_modules/'.length)} ${entry.version} (this checkout: ${ours.packages[path]?.version ?? 'none'})`);
}

/**
 * The path of `dist/cli.js` built from `commit` as its `npm run build` does (tsc, then chmod),
 * over the runtime dependencies its lockfile names. The first call for a commit takes a minute or
 * so (an `npm ci` from the registry); later ones return at once.
 */
export async function builtServer(commit: string): Promise<{ cli: string; sha: string }> {
  const sha = (await execa('git', ['rev-parse', '--verify', `${commit}^{commit}`], { cwd: repo })).stdout.trim();
  const dir = join(tmpdir(), `harness-mcp-build-${sha}`);
  const cli = join(dir, 'dist', 'cli.js');
  if (existsSync(cli)) return { cli, sha };

  // Built aside and renamed into place last, so an interrupted build is never taken for a finished one.
  const staging = await mkdtemp(join(tmpdir(), `harness-mcp-build-${sha.slice(0, 12)}-`));
  try {
    const tar = join(staging, 'source.tar');
    await execa('git', ['archive', '--format=tar', '-o', tar, sha], { cwd: repo });
    const source = join(staging, 'source');
    await mkdir(source);
    await execa('tar', ['-xf', tar, '-C', source]);
    const theirs = JSON.parse(await readFile(join(source, 'package-lock.json'), 'utf8')) as Lockfile;
    const ours = JSON.parse(await readFile(join(repo, 'package-lock.json'), 'utf8')) as Lockfile;
    const differing = buildToolsDiffering(theirs, ours);
    if (differing.length > 0) throw new Error(`cannot build ${commit} with this checkout's compiler and types: its lockfile pins ${differing.join(', ')}`);
    await execa('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: source });
    await symlink(join(ourModules, '@types'), join(source, 'node_modules', '@types'));
    await execa(join(ourModules, '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: source });
    await execa('chmod', ['+x', join(source, 'dist', 'cli.js')]);
    await rename(source, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { cli, sha };
}
