import { mkdir } from 'node:fs/promises';
import {
  AttemptMetaSchema,
  AttemptStateSchema,
  FinalReportSchema,
  isTerminal,
  TerminalStateError,
  type AttemptMeta,
  type AttemptState,
  type FinalReport,
  type KeyedSerial,
} from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic, writeJsonOnce } from './json-file.js';

import type { AttemptLocation, RunsPaths } from './paths.js';

/** The JSON files of one attempt directory; the only writer of state.json, meta.json and final.json. */
export class AttemptFiles {
  // The status last written for each attempt still under way. One server owns the runs root,
  // so this is what the disk says; an attempt not held here (after a restart) is read from disk.
  private readonly inFlight = new Map<string, AttemptState['status']>();

  constructor(
    private readonly paths: RunsPaths,
    private readonly serial: KeyedSerial,
  ) {}

  /** Makes the attempt directory and writes its first state (normally `queued`). */
  async create(at: AttemptLocation, state: AttemptState): Promise<void> {
    await mkdir(this.paths.stepDir(at.batchId, at.jobId, at.stepId), { recursive: true });
    await mkdir(this.paths.attemptDir(at));
    await this.writeState(at, state);
  }

  /**
   * Replaces state.json. Refuses when the state is already terminal, and parses the new state
   * first, so started_at / ended_at / failure_reason always agree with the status. Called by
   * AttemptTransitions alone, which writes current.json after it; everyone else holds this class
   * through a narrower type.
   */
  async writeState(at: AttemptLocation, next: AttemptState, options: { durable?: boolean } = {}): Promise<void> {
    const valid = AttemptStateSchema.parse(next);
    const path = this.paths.artifactFile(at, 'state');
    await this.serial.run(path, async () => {
      const status = this.inFlight.get(path) ?? (await readJsonIfExists(path, AttemptStateSchema))?.status;
      if (status && isTerminal(status)) throw new TerminalStateError(valid.run_id, status);
      await writeJsonAtomic(path, valid, options);
      if (isTerminal(valid.status)) this.inFlight.delete(path);
      else this.inFlight.set(path, valid.status);
    });
  }

  /** Forgets the status last written for an attempt that another process (a worker) goes on writing. */
  forget(at: AttemptLocation): void {
    this.inFlight.delete(this.paths.artifactFile(at, 'state'));
  }

  async readState(at: AttemptLocation): Promise<AttemptState | undefined> {
    return readJsonIfExists(this.paths.artifactFile(at, 'state'), AttemptStateSchema);
  }

  async writeMeta(at: AttemptLocation, meta: AttemptMeta): Promise<void> {
    await writeJsonAtomic(this.paths.artifactFile(at, 'meta'), AttemptMetaSchema.parse(meta));
  }

  /** final.json is written once, when the attempt ends. */
  async writeFinal(at: AttemptLocation, report: FinalReport): Promise<void> {
    await writeJsonOnce(this.paths.artifactFile(at, 'final'), FinalReportSchema.parse(report));
  }
}
