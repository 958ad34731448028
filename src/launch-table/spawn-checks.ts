// What execve refuses, checked at submit so that no step is accepted only to fail at spawn.

// Linux's MAX_ARG_STRLEN: the most one argv or environment string may hold, its NUL included.
const MAX_STRING_BYTES = 32 * 4096;

export interface SpawnProblem {
  /** Where, below the step: `['command', 0]`, `['env', 'NAME']`. */
  at: PropertyKey[];
  message: string;
}

/** Why a command's argv or a step's environment cannot be handed to execve, if it cannot. */
export function spawnProblems(command: readonly string[] | undefined, env: Readonly<Record<string, string>> | undefined): SpawnProblem[] {
  const problems: SpawnProblem[] = [];
  if (command?.[0] === '') problems.push({ at: ['command', 0], message: 'the program to run is empty' });
  for (const [i, arg] of (command ?? []).entries()) {
    const problem = stringProblem(arg, 'argument');
    if (problem) problems.push({ at: ['command', i], message: problem });
  }
  for (const [name, value] of Object.entries(env ?? {})) {
    const problem = stringProblem(`${name}=${value}`, 'variable (NAME=value)');
    if (problem) problems.push({ at: ['env', name], message: problem });
  }
  return problems;
}

function stringProblem(text: string, what: 'argument' | 'variable (NAME=value)'): string | undefined {
  if (text.includes('\0')) return 'a NUL character cannot be passed to a program';
  const bytes = Buffer.byteLength(text) + 1;
  if (bytes > MAX_STRING_BYTES) return `is ${bytes} bytes with its terminator; the system takes at most ${MAX_STRING_BYTES} per ${what}`;
  return undefined;
}
