import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A state directory of the test run's own, for every server and CLI the tests start (they
 * inherit the environment): one started without --runs-dir takes its default runs root under
 * $XDG_STATE_HOME, and that must never be the real ~/.local/state of whoever runs the tests.
 */
export async function setup(): Promise<() => Promise<void>> {
  const stateHome = await mkdtemp(join(tmpdir(), 'harness-tests-state-'));
  process.env.XDG_STATE_HOME = stateHome;
  return () => rm(stateHome, { recursive: true, force: true });
}
