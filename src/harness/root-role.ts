import type { GcCandidate, Requests, Scheduler } from '../scheduler/index.js';
import type { ReadSource } from '../scoreboard/index.js';
import type { LandingRecorder } from './land-job.js';

/**
 * How this server stands to its runs root: it runs it (OwnedRoot), or it reads what another
 * server writes (WatchedRoot). Chosen when the root is opened, and once more if this server
 * takes the root over; everything that differs between the two is here, so Harness never asks.
 */
export interface RootRole {
  readonly mode: 'active' | 'read_only';
  /** What every read is answered from: memory when running the root, the disk otherwise. */
  readonly source: ReadSource;
  /** The scheduler the health monitor pauses and rids of stuck attempts; none when not running the root. */
  readonly scheduler: Scheduler | undefined;
  /** What takes submissions, cancels and retries; refused (StoreLockedError) when another server runs the root. */
  requests(): Promise<Requests>;
  /** What records landings (landed.json); refused when another server runs the root. */
  landings(): Promise<LandingRecorder>;
  /** Removes batches GC found, telling `steps` of each; refused when another server runs the root. */
  removeGarbage(garbage: GcCandidate[], steps: GarbageSteps): Promise<void>;
  /** The batches held in memory, to announce them all when whether attempts may start changes. */
  heldBatchIds(): string[];
  /** A batch's files changed: the server that runs the root rewrites its scoreboard files; others write nothing. */
  batchChanged(batchId: string): void;
  close(): Promise<void>;
}

/** What GC is told of each batch it removes, in order: about to go, gone, or kept because its work could not be recorded. */
export interface GarbageSteps {
  before: (candidate: GcCandidate) => Promise<void>;
  removed: (candidate: GcCandidate) => void;
  refused: (candidate: GcCandidate, reason: string) => void;
}
