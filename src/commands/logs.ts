import { setTimeout as sleep } from 'node:timers/promises';
import { ARTIFACT_NAMES, readArtifactPage, type ArtifactName } from '../store/index.js';
import { fail, openHarness, orFail, type StoreOptions } from './common.js';

const PAGE_BYTES = 256 * 1024;
const FOLLOW_POLL_MS = 250;

/** `harness-mcp logs RUN_ID [--stream stdout|stderr|events] [--follow]`: an attempt's output. */
export async function logs(runId: string, options: StoreOptions & { stream?: string; follow?: boolean }): Promise<void> {
  const name = (options.stream ?? 'stdout') as ArtifactName;
  if (!['stdout', 'stderr', 'events'].includes(name) || !ARTIFACT_NAMES.includes(name)) fail(`--stream takes stdout, stderr or events, not \`${name}\``);
  const harness = await openHarness(options, { readOnly: true });
  await orFail(async () => {
    const location = await harness.locateRun(runId);
    let offset = 0;
    for (;;) {
      const page = await readArtifactPage(harness.paths, location, name, offset, PAGE_BYTES).catch(() => undefined);
      if (page) {
        process.stdout.write(page.content);
        offset = page.next_offset;
        if (!page.eof) continue;
      }
      if (!options.follow) break;
      // Following ends when the attempt has: its state is terminal and everything is read.
      const state = await readArtifactPage(harness.paths, location, 'state', 0, PAGE_BYTES).catch(() => undefined);
      if (state && /"ended_at"/.test(state.content) && page?.eof) break;
      await sleep(FOLLOW_POLL_MS);
    }
  });
  await harness.close();
}
