import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { idProblem } from '../core/index.js';
import { listBatchIds } from './scan.js';
import { runIdOfDirName, type RunsPaths } from './paths.js';

// The temp names of the two JSON writers (json-file.ts): write-file-atomic's `<name>.<uint32>`
// and writeJsonOnce's `<name>.<12 hex>.tmp`. A write cut short (SIGKILL, ENOSPC) leaves one.
const TEMP_NAME = /\.json\.(\d{1,10}|[0-9a-f]{12}\.tmp)$/;

/**
 * Deletes the temp files that writes cut short left in the directories the harness writes JSON
 * to (the _system files, each batch, job and attempt directory), when they are older than
 * `olderThanMs` (epoch ms): the start of this process, so that no write of its own is touched.
 * It never looks into workspaces, session stores or anything else an agent writes. Returns the
 * paths deleted; once `signal` aborts, it looks into no more directories.
 */
export async function sweepStaleTempFiles(paths: RunsPaths, olderThanMs: number, signal?: AbortSignal): Promise<string[]> {
  const swept: string[] = [];
  const sweep = async (dir: string) => {
    if (signal?.aborted) return;
    for (const name of await namesIn(dir)) {
      if (!TEMP_NAME.test(name)) continue;
      const path = join(dir, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isFile() || info.mtimeMs >= olderThanMs) continue;
      await unlink(path).catch(() => undefined); // gone meanwhile: nothing to do
      swept.push(path);
    }
  };
  await sweep(paths.root);
  await sweep(paths.systemDir);
  await sweep(paths.configVersionsDir);
  // inbox/ and processing/ hold what people drop in (the server only renames them on): not swept.
  for (const stage of ['accepted', 'rejected'] as const) await sweep(paths.queueDir(stage));
  await sweep(paths.controlDir);
  for (const runner of await idNamesIn(join(paths.systemDir, 'runners'))) await sweep(join(paths.systemDir, 'runners', runner));
  for (const batchId of await listBatchIds(paths)) {
    await sweep(paths.batchDir(batchId));
    for (const jobId of await idNamesIn(paths.batchDir(batchId))) {
      await sweep(paths.jobDir(batchId, jobId));
      for (const stepId of await idNamesIn(paths.jobDir(batchId, jobId))) {
        if (paths.stepDir(batchId, jobId, stepId) === paths.workspaceDir(batchId, jobId)) continue; // the user's files
        for (const dirName of await namesIn(paths.stepDir(batchId, jobId, stepId))) {
          if (runIdOfDirName(dirName)) await sweep(paths.attemptDir({ batchId, jobId, stepId, dirName }));
        }
      }
    }
  }
  return swept;
}

async function namesIn(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []); // not there, or not a directory: nothing to sweep
}

/** The names in `dir` that are ids (job, step and runner directories; files are weeded out by the next readdir). */
async function idNamesIn(dir: string): Promise<string[]> {
  return (await namesIn(dir)).filter((name) => !idProblem(name));
}
