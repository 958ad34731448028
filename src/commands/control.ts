import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlInbox, type ControlRequest, type ControlResponse } from '../queue/index.js';
import { RunsPaths } from '../store/index.js';
import { fail, harnessOptions, printJson, type StoreOptions } from './common.js';

const ANSWER_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

/**
 * Asks the server that owns the runs root to carry out a request (cancel, retry) through its
 * control inbox, and prints its answer. Without a server there is nobody to answer.
 */
export async function control(request: ControlRequest, options: StoreOptions & { json?: boolean }): Promise<void> {
  const dir = ControlInbox.dirOf(new RunsPaths(resolve(harnessOptions(options).runsDir)));
  await mkdir(dir, { recursive: true });
  const id = `${Date.now()}-${randomBytes(4).toString('hex')}`;
  const requestPath = join(dir, `${id}.request.json`);
  await writeFile(join(dir, `.${id}.partial`), JSON.stringify(request));
  await rename(join(dir, `.${id}.partial`), requestPath);
  const responsePath = join(dir, `${id}.response.json`);
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  for (;;) {
    const text = await readFile(responsePath, 'utf8').catch(() => undefined);
    if (text) {
      await rm(responsePath, { force: true });
      const response = JSON.parse(text) as ControlResponse;
      if (!response.ok) fail(response.message);
      if (options.json) return printJson(response.result);
      return void process.stdout.write(`${JSON.stringify(response.result)}\n`);
    }
    if (Date.now() > deadline) {
      await rm(requestPath, { force: true });
      fail(`no server answered in ${ANSWER_TIMEOUT_MS / 1000} s; ${request.op} needs the server that runs this runs root (start one, or check --runs-dir)`);
    }
    await sleep(POLL_MS);
  }
}
