import { runCommand } from '../process/index.js';

const versions = new Map<string, Promise<string | null>>();

/**
 * The version an agent CLI prints, asked once per binary for the life of the server; null when
 * it cannot say. It runs with the attempt's environment: some CLIs (gemini) write to their home
 * even for --version, and that must be the attempt's, never the server's $HOME.
 */
export function agentVersion(argv: [string, ...string[]] | null, cwd: string, env: Record<string, string>): Promise<string | null> {
  if (!argv) return Promise.resolve(null);
  const key = argv.join('\0');
  let version = versions.get(key);
  if (!version) {
    version = runCommand(argv, cwd, env).then(
      (r) => (r.exitCode === 0 ? r.stdout.trim().split('\n')[0]! || null : null),
      () => null,
    );
    versions.set(key, version);
  }
  return version;
}
