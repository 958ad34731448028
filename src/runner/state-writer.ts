import type { AttemptState } from '../core/index.js';
import type { AttemptLocation, StateTransitions } from '../store/index.js';

/** One attempt's state as last written, and the runner's one way to change it. */
export class StateWriter {
  constructor(
    private readonly transitions: StateTransitions,
    private readonly location: AttemptLocation,
    private written: AttemptState,
    /** The session store as current.json names it once the attempt ends (null without one). */
    private readonly resumeBaseDir: string | null,
    private readonly onState: (state: AttemptState) => void,
  ) {}

  get state(): AttemptState {
    return this.written;
  }

  /**
   * Writes `next` (state.json, then current.json) and only then tells the caller's view, so
   * whoever sees the new state can rely on the index being written too.
   */
  async write(next: AttemptState, durable = true): Promise<void> {
    await this.transitions.write(this.location, this.written, next, { durable, resumeBaseDir: this.resumeBaseDir });
    this.written = next;
    this.onState(next);
  }
}
