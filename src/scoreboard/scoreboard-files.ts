import type { BatchScoreboard, SystemScoreboard } from '../core/index.js';
import { writeJsonAtomic, type RunsPaths } from '../store/index.js';

const WRITE_DELAY_MS = 200;
// No more than about a tenth of the time goes to rewriting one batch's file (10,000 steps take ~50 ms).
const WRITE_COST_FACTOR = 10;

/** Where the files' content comes from, and what follows a write. */
export interface ScoreboardSource {
  batchScoreboard(batchId: string): Promise<BatchScoreboard>;
  systemScoreboard(): Promise<SystemScoreboard>;
  /** Called after a batch's file is written showing it settled. */
  settled(batchId: string): Promise<void>;
  log(message: string): void;
}

/**
 * Keeps scoreboard.batch.json and scoreboard.system.json on disk up to date without writing
 * them on every state change: a batch's file at most every 200 ms (longer for a batch whose file
 * is costly to build), and the system file once after a burst of batch writes.
 */
export class ScoreboardFiles {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly lastWriteMs = new Map<string, number>();
  private pendingSystem: NodeJS.Timeout | undefined;
  /** Writes a timer started, so that close waits for them: a runs root is left whole when the server stops. */
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly paths: RunsPaths,
    private readonly source: ScoreboardSource,
  ) {}

  /** The batch changed: its file (and then the system file) will be rewritten soon. */
  changed(batchId: string): void {
    if (this.pending.has(batchId) || this.closed) return;
    const delayMs = Math.max(WRITE_DELAY_MS, WRITE_COST_FACTOR * (this.lastWriteMs.get(batchId) ?? 0));
    this.pending.set(
      batchId,
      setTimeout(() => {
        this.pending.delete(batchId);
        this.track(this.writeBatch(batchId).catch((error: Error) => this.source.log(`could not write the scoreboards of ${batchId}: ${error.message}`)));
      }, delayMs),
    );
  }

  /** The batch is gone (GC): nothing more is written for it. */
  forget(batchId: string): void {
    clearTimeout(this.pending.get(batchId));
    this.pending.delete(batchId);
    this.lastWriteMs.delete(batchId);
  }

  async writeSystem(): Promise<void> {
    await writeJsonAtomic(this.paths.systemScoreboardFile, await this.source.systemScoreboard(), { durable: false });
  }

  /** Stops at once, writing nothing more: another server writes these files now. */
  abandon(): void {
    this.closed = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    clearTimeout(this.pendingSystem);
    this.pendingSystem = undefined;
  }

  /** Writes what is still pending, at once, waits for the writes under way, and stops scheduling writes. */
  async close(): Promise<void> {
    const pendingBatches = [...this.pending.keys()];
    const anyWrite = pendingBatches.length > 0 || this.pendingSystem !== undefined || this.inFlight.size > 0;
    // The timers stop first: one due while the writes under way are awaited would start a write
    // that ends after the server stopped (and after another may have taken the root).
    this.abandon();
    await Promise.all(this.inFlight);
    for (const batchId of pendingBatches) await this.writeBatch(batchId).catch(() => undefined);
    if (anyWrite) await this.writeSystem().catch(() => undefined);
  }

  private track(write: Promise<void>): void {
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  private async writeBatch(batchId: string): Promise<void> {
    const started = performance.now();
    const board = await this.source.batchScoreboard(batchId);
    await writeJsonAtomic(this.paths.batchScoreboardFile(batchId), board, { durable: false });
    this.lastWriteMs.set(batchId, performance.now() - started);
    if (board.settled) await this.source.settled(batchId);
    if (this.pendingSystem || this.closed) return;
    this.pendingSystem = setTimeout(() => {
      this.pendingSystem = undefined;
      this.track(this.writeSystem().catch((error: Error) => this.source.log(`could not write the system scoreboard: ${error.message}`)));
    }, WRITE_DELAY_MS);
  }
}
