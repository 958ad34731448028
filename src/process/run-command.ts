import { execa } from 'execa';

/** Runs a short helper command (git and the like) to completion and returns its output; `input` is its stdin. */
export async function runCommand(
  argv: readonly [string, ...string[]],
  cwd: string,
  env: Record<string, string> = {},
  input?: string,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const [file, ...args] = argv;
  const stdin = input === undefined ? { stdin: 'ignore' as const } : { input };
  const result = await execa(file, args, { cwd, env, reject: false, ...stdin, timeout: 120_000, maxBuffer: 256 * 1024 * 1024, stripFinalNewline: false });
  return { exitCode: result.exitCode ?? null, stdout: String(result.stdout), stderr: String(result.stderr || result.shortMessage || '') };
}
