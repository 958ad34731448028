import { execa } from 'execa';

/** Runs a short helper command (git and the like) to completion and returns its output. */
export async function runCommand(
  argv: readonly [string, ...string[]],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const [file, ...args] = argv;
  const result = await execa(file, args, { cwd, env, reject: false, stdin: 'ignore', timeout: 120_000 });
  return { exitCode: result.exitCode ?? null, stdout: String(result.stdout), stderr: String(result.stderr || result.shortMessage || '') };
}
