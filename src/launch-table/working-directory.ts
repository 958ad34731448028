import { stat, realpath } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { runsRootOverlap } from './runs-root-overlap.js';

/**
 * The real path of a job's working directory, telling `problem` what is wrong with it: not
 * absolute, missing, not a directory, or holding the runs root (or lying in it) when `runsRoot`
 * is known. Undefined when there is no directory to work in.
 */
export async function checkWorkingDirectory(path: string, runsRoot: string | undefined, problem: (m: string) => void): Promise<string | undefined> {
  if (!isAbsolute(path)) {
    problem(`\`${path}\` must be an absolute path`);
    return undefined;
  }
  let real: string;
  try {
    const info = await stat(path);
    if (!info.isDirectory()) {
      problem(`\`${path}\` is not a directory`);
      return undefined;
    }
    real = await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem(code === 'ENOENT' ? `\`${path}\` does not exist` : `\`${path}\` cannot be read (${code})`);
    return undefined;
  }
  const overlap = runsRoot === undefined ? undefined : runsRootOverlap(real, runsRoot);
  if (overlap) problem(overlap);
  return real;
}
