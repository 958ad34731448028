// The page's copy of the resources it follows (scoreboards, batch meta), kept up to date by the
// patches of the event stream (src/dashboard/resource-mirror.ts makes them): after the first read
// of a batch, a change costs the page a patch, not the whole batch again.

import type { ResourcePatch } from '../../../src/dashboard/resource-mirror.js';

export type { ResourcePatch };

interface Copy {
  version: number;
  value: Record<string, unknown>;
  stale: boolean;
}

export class PageMirror {
  private readonly copies = new Map<string, Copy>();
  // The newest version the event stream named per resource, for a read that answers an older one.
  private readonly newest = new Map<string, number>();

  /** The copy of `uri` when it is up to date, else undefined (read it, then `store`). */
  get(uri: string): Record<string, unknown> | undefined {
    const copy = this.copies.get(uri);
    return copy && !copy.stale ? copy.value : undefined;
  }

  store(uri: string, version: number, value: Record<string, unknown>): void {
    const held = this.copies.get(uri);
    if (held && !held.stale && held.version >= version) return;
    this.copies.set(uri, { version, value, stale: version < (this.newest.get(uri) ?? 0) });
  }

  /** Applies a patch from the event stream; a copy it does not build on is read again next time. */
  apply(patch: ResourcePatch): void {
    this.newest.set(patch.uri, Math.max(patch.version, this.newest.get(patch.uri) ?? 0));
    const copy = this.copies.get(patch.uri);
    if (!copy || copy.version === patch.version) return;
    if (copy.stale || patch.base !== copy.version || !patch.fields) {
      copy.stale = true;
      return;
    }
    const value = { ...copy.value, ...patch.fields };
    if (patch.steps && Array.isArray(copy.value.steps)) {
      const steps = (copy.value.steps as unknown[]).slice(0, patch.steps_length);
      for (const [index, step] of patch.steps) steps[index] = step;
      value.steps = steps;
    }
    this.copies.set(patch.uri, { version: patch.version, value, stale: false });
  }

  /** Marks every copy to be read again (the stream was away: what it sent meanwhile is lost); answers their URIs. */
  forgetAll(): string[] {
    for (const copy of this.copies.values()) copy.stale = true;
    return [...this.copies.keys()];
  }

  /** Marks a copy to be read again (a change the stream sent no patch for). */
  forget(uri: string): void {
    const copy = this.copies.get(uri);
    if (copy) copy.stale = true;
  }
}
