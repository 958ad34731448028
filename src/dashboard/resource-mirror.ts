import type { Harness } from '../harness/index.js';
import { batchScoreboardUri, SYSTEM_SCOREBOARD_URI } from '../scoreboard/index.js';

/**
 * What a page is sent when a resource it has changed: the new version, and, when the server
 * still has the version before, what differs from it: the top-level fields that changed and the
 * entries of `steps` that changed, by index. A page holding `base` applies it; any other page
 * reads the resource again.
 */
export interface ResourcePatch {
  uri: string;
  version: number;
  base?: number;
  fields?: Record<string, unknown>;
  steps?: [number, unknown][];
  steps_length?: number;
}

interface Entry {
  version: number;
  /** The root's changes of this resource counted when its read began: fresh while no change came since. */
  generation: number;
  text: string;
  value: Record<string, unknown>;
  /** Each top-level field, and each entry of `steps`, as JSON: what the next patch is worked out against. */
  fieldTexts: Map<string, string>;
  stepTexts: string[] | undefined;
}

// The resources pages read again on every change: a batch's scoreboard and meta, the system scoreboard.
const MIRRORED = /^harness:\/\/(scoreboard|batches\/[^/]+\/(scoreboard|meta))$/;
// A batch of 10,000 steps answers a few MB; this many resources are kept at most, the least read first to go.
const MAX_ENTRIES = 32;

/**
 * The last answer of each resource open pages follow, with a version. Reads between two
 * changes share one answer, and a change is sent to every page as one small patch computed
 * once, so fifty dashboards following a batch cost the scheduler about what one does.
 */
export class ResourceMirror {
  private readonly entries = new Map<string, Entry>();
  private readonly reading = new Map<string, { generation: number; entry: Promise<Entry> }>();
  private readonly generations = new Map<string, number>();
  private nextVersion = 1;
  private readonly unhook: () => void;

  constructor(
    harness: Pick<Harness, 'onBatchChanged' | 'onBatchAdded'>,
    private readonly read: (uri: string) => Promise<string>,
  ) {
    const changed = (uri: string) => this.generations.set(uri, this.generation(uri) + 1);
    const offChanged = harness.onBatchChanged((batchId) => {
      for (const uri of [batchScoreboardUri(batchId), `harness://batches/${batchId}/meta`, SYSTEM_SCOREBOARD_URI]) changed(uri);
    });
    const offAdded = harness.onBatchAdded(() => changed(SYSTEM_SCOREBOARD_URI));
    this.unhook = () => {
      offChanged();
      offAdded();
    };
  }

  static mirrors(uri: string): boolean {
    return MIRRORED.test(uri);
  }

  /** The resource as it is now, with its version. */
  async current(uri: string): Promise<{ version: number; text: string }> {
    const entry = await this.fresh(uri);
    return { version: entry.version, text: entry.text };
  }

  /**
   * The patch to send pages now that `uri` changed, or undefined when no page has read it (none
   * holds it to patch). Reads it again only if it changed since the last read.
   */
  async changed(uri: string): Promise<ResourcePatch | undefined> {
    const before = this.entries.get(uri);
    if (!before) return undefined;
    const after = await this.fresh(uri);
    if (after === before) return { uri, version: after.version };
    return { uri, version: after.version, base: before.version, ...diff(before, after) };
  }

  close(): void {
    this.unhook();
    this.entries.clear();
  }

  private generation(uri: string): number {
    return this.generations.get(uri) ?? 0;
  }

  private fresh(uri: string): Promise<Entry> {
    const generation = this.generation(uri);
    const entry = this.entries.get(uri);
    if (entry?.generation === generation) {
      this.entries.delete(uri); // read again: last to be dropped
      this.entries.set(uri, entry);
      return Promise.resolve(entry);
    }
    const inFlight = this.reading.get(uri);
    if (inFlight?.generation === generation) return inFlight.entry;
    const reading = this.read(uri).then((text) => {
      const next = entryOf(this.nextVersion++, generation, text);
      // A read begun before another finished may end after it: the newer one stays.
      const kept = this.entries.get(uri);
      if (kept && kept.generation > generation) return kept;
      this.entries.delete(uri);
      this.entries.set(uri, next);
      while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      return next;
    });
    const done = () => {
      if (this.reading.get(uri)?.entry === reading) this.reading.delete(uri);
    };
    reading.then(done, done);
    this.reading.set(uri, { generation, entry: reading });
    return reading;
  }
}

function entryOf(version: number, generation: number, text: string): Entry {
  const value = JSON.parse(text) as Record<string, unknown>;
  const fieldTexts = new Map<string, string>();
  for (const [key, field] of Object.entries(value)) if (key !== 'steps' || !Array.isArray(field)) fieldTexts.set(key, JSON.stringify(field));
  const stepTexts = Array.isArray(value.steps) ? (value.steps as unknown[]).map((step) => JSON.stringify(step)) : undefined;
  return { version, generation, text, value, fieldTexts, stepTexts };
}

/** The top-level fields of `after` that differ from `before`, and the entries of `steps` that do. */
function diff(before: Entry, after: Entry): Pick<ResourcePatch, 'fields' | 'steps' | 'steps_length'> {
  const fields: Record<string, unknown> = {};
  for (const key of new Set([...before.fieldTexts.keys(), ...after.fieldTexts.keys()])) {
    if (before.fieldTexts.get(key) !== after.fieldTexts.get(key)) fields[key] = after.value[key] ?? null;
  }
  if (!before.stepTexts || !after.stepTexts) return { fields };
  const steps: [number, unknown][] = [];
  after.stepTexts.forEach((text, index) => {
    if (text !== before.stepTexts![index]) steps.push([index, (after.value.steps as unknown[])[index]]);
  });
  return { fields, steps, steps_length: after.stepTexts.length };
}
