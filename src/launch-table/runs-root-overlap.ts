import { isAbsolute, relative, sep } from 'node:path';

const OUTSIDE = 'run the server with a runs dir outside every working directory (--runs-dir or HARNESS_RUNS_DIR; the default is $XDG_STATE_HOME/harness-mcp/runs)';

/**
 * Why a job may not work in `workingDirectory` (both real paths), or undefined. A step may write
 * anywhere in its working directory (all a workspace-write sandbox allows), so a runs root in it
 * would let a step drop a launch table into the queue, forge a control request or rewrite
 * state.json, and the harness would act on it outside any sandbox. The same holds for a working
 * directory inside the runs root.
 */
export function runsRootOverlap(workingDirectory: string, runsRoot: string): string | undefined {
  if (isWithin(workingDirectory, runsRoot)) {
    return `\`${workingDirectory}\` holds the runs root ${runsRoot}: a step could write the harness's own files (its queue, control requests, attempt state); ${OUTSIDE}`;
  }
  if (isWithin(runsRoot, workingDirectory)) {
    return `\`${workingDirectory}\` is inside the runs root ${runsRoot}: a step could write the harness's own files (its queue, control requests, attempt state); give a working directory outside it`;
  }
  return undefined;
}

/** Whether `path` is `dir` or below it. */
function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}
