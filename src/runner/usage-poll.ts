import type { AgentEvent, UsageFollower } from '../agents/index.js';

/**
 * Reads an agent's usage beside its output (codex's rollout) when asked, one read at a time: a
 * request while a read runs makes one more read after it, never a second at once.
 */
export class UsagePoll {
  private reading: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly follower: UsageFollower | null,
    private readonly onEvent: (event: AgentEvent) => void,
    private readonly onError: (error: Error) => void,
  ) {}

  poll(): void {
    if (!this.follower) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    const follower = this.follower;
    this.reading = (async () => {
      do {
        this.again = false;
        for (const event of await follower.poll()) this.onEvent(event);
      } while (this.again);
    })()
      .catch(this.onError)
      .finally(() => {
        this.reading = null;
      });
  }

  /** Reads what was written last (after the agent exited or was stopped), once any read under way is done. */
  async last(): Promise<void> {
    await this.reading;
    this.poll();
    await this.reading;
  }
}
