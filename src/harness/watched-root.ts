import { StoreLockedError, type RunnerHealth } from '../core/index.js';
import type { BatchRecords } from '../batch/index.js';
import { readOwnerHealth, readOwnerPauseReason, type Requests } from '../scheduler/index.js';
import type { ReadSource } from '../scoreboard/index.js';
import { RunsLock, type RunsPaths } from '../store/index.js';
import type { RootRole } from './root-role.js';
import { watchScoreboardFiles } from './scoreboard-watch.js';
import { readWorkersHealth } from '../distributed/index.js';

// A batch another server runs changes only on disk: a wait looks there every second.
const DISK_POLL_MS = 1000;

/**
 * A runs root another server runs (or none, for a read-only command): everything is read from
 * its files, and every request that would change it is refused naming the owner.
 */
export class WatchedRoot implements RootRole {
  readonly mode = 'read_only';
  readonly scheduler = undefined;
  readonly source: ReadSource;
  private readonly stopWatch: () => void;

  /**
   * `ownHealth`: this server's own entry in the system scoreboard's runners, if it waits for the
   * lock; `onBatchChanged`, if given: told of each batch the other server changes (seen on disk).
   */
  constructor(
    private readonly paths: RunsPaths,
    records: BatchRecords,
    ownHealth: () => RunnerHealth[],
    onBatchChanged: ((batchId: string) => void) | undefined,
  ) {
    this.stopWatch = onBatchChanged ? watchScoreboardFiles(paths, onBatchChanged, DISK_POLL_MS) : () => undefined;
    this.source = {
      records,
      dispatchPaused: () => readOwnerPauseReason(paths),
      runners: async () => {
        const owner = await readOwnerHealth(paths);
        return [...ownHealth(), ...(owner ? [owner] : []), ...(await readWorkersHealth(paths))];
      },
      setAside: () => [], // only the server that runs the root moves files aside
      poll: (check) => {
        const timer = setInterval(check, DISK_POLL_MS);
        return () => clearInterval(timer);
      },
    };
  }

  async requests(): Promise<Requests> {
    throw await this.locked();
  }

  async landings(): Promise<never> {
    throw await this.locked();
  }

  async removeGarbage(): Promise<void> {
    throw await this.locked();
  }

  heldBatchIds(): string[] {
    return [];
  }

  batchChanged(): void {
    // Only the server that runs the root writes its scoreboard files.
  }

  async close(): Promise<void> {
    this.stopWatch();
  }

  private async locked(): Promise<StoreLockedError> {
    const owner = await RunsLock.readOwner(this.paths);
    return new StoreLockedError(this.paths.root, owner?.pid);
  }
}
