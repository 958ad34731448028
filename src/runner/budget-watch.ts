import type { AttemptState } from '../core/index.js';
import type { EventLog } from '../store/index.js';
import { BudgetExceededReason } from './abort-reasons.js';
import type { BudgetGuard } from './runner-context.js';

/**
 * Stops one running attempt when it goes over its step's or its job's budget: asked after each
 * usage the agent reports and at every heartbeat tick (for wall time), it aborts its signal once,
 * which runProcess turns into a kill of the process group.
 */
export class BudgetWatch {
  private readonly controller = new AbortController();
  private closed = false;

  constructor(
    private readonly guard: BudgetGuard | undefined,
    private readonly events: EventLog,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the attempt was stopped, once it was. */
  get stopReason(): string | null {
    return this.controller.signal.reason instanceof BudgetExceededReason ? this.controller.signal.reason.message : null;
  }

  /**
   * The process has exited: nothing is left to stop. Usage read after that (codex's rollout, read
   * once more at the end) is still counted, but no longer logs or signals a stop that never was.
   */
  close(): void {
    this.closed = true;
  }

  check(state: AttemptState): void {
    if (!this.guard || this.closed || this.controller.signal.aborted || state.status !== 'running') return;
    const over = this.guard.overBudget(state);
    if (!over) return;
    this.events.append('harness.attempt.budget_exceeded', { message: over, usage: state.usage });
    this.controller.abort(new BudgetExceededReason(over));
  }
}
