import { setTimeout as sleep } from 'node:timers/promises';
import { ARTIFACT_NAMES, readArtifactPage, type ArtifactName } from '../store/index.js';
import { fail, openHarness, orFail, type StoreOptions } from './common.js';

const PAGE_BYTES = 256 * 1024;
const FOLLOW_POLL_MS = 250;

// Logs grow while the attempt runs, so they can be followed; the JSON files are printed whole.
const FOLLOWED: readonly ArtifactName[] = ['stdout', 'stderr', 'events'];

function isArtifactName(name: string): name is ArtifactName {
  return (ARTIFACT_NAMES as readonly string[]).includes(name);
}

/** `harness-mcp logs RUN_ID [--stream stdout|stderr|events|final|meta|state] [--follow]`: an attempt's output or files. */
export async function logs(runId: string, options: StoreOptions & { stream?: string; follow?: boolean }): Promise<void> {
  const name = options.stream ?? 'stdout';
  if (!isArtifactName(name)) fail(`--stream takes ${ARTIFACT_NAMES.join(', ')}, not \`${name}\``);
  if (options.follow && !FOLLOWED.includes(name)) fail(`--follow follows ${FOLLOWED.join(', ')}; ${name} is printed whole, without --follow`);
  const harness = await openHarness(options, { readOnly: true });
  await orFail(async () => {
    const location = await harness.reader.locateRun(runId);
    let offset = 0;
    let ended = '';
    for (;;) {
      // Without --follow a file not written yet (final of a running attempt) is said plainly.
      const page = await readArtifactPage(harness.paths, location, name, offset, PAGE_BYTES).catch((error: unknown) => {
        if (options.follow) return undefined;
        throw error;
      });
      if (page) {
        process.stdout.write(page.content);
        ended = page.content.at(-1) ?? ended;
        offset = page.next_offset;
        if (!page.eof) continue;
      }
      if (!options.follow) {
        if (!FOLLOWED.includes(name) && ended !== '\n') process.stdout.write('\n');
        break;
      }
      // Following ends when the attempt has: its state is terminal and everything is read.
      const state = await readArtifactPage(harness.paths, location, 'state', 0, PAGE_BYTES).catch(() => undefined);
      if (state && /"ended_at"/.test(state.content) && page?.eof) break;
      await sleep(FOLLOW_POLL_MS);
    }
  });
  await harness.close();
}
