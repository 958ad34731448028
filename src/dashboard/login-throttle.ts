/** Wrong tokens in a row that lock the login, and for how long. */
export interface LoginThrottleLimits {
  maxFailures: number;
  lockoutMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleLimits = { maxFailures: 10, lockoutMs: 30_000 };

/**
 * Slows a guesser down, for the whole process: after `maxFailures` wrong tokens in a row, every
 * login (the right token too, else the lockout would tell a guesser when it hit) is refused for
 * `lockoutMs`. A token of the required strength is out of reach of guessing anyway; this only
 * keeps a script from hammering the login. A right token resets the count.
 */
export class LoginThrottle {
  private failures = 0;
  private lockedUntilMs = 0;

  constructor(
    readonly limits: LoginThrottleLimits,
    private readonly now: () => number,
  ) {}

  /** Seconds until logins are taken again, or 0 when they are now. */
  lockedForSeconds(): number {
    const left = this.lockedUntilMs - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  failed(): void {
    this.failures += 1;
    if (this.failures < this.limits.maxFailures) return;
    this.failures = 0;
    this.lockedUntilMs = this.now() + this.limits.lockoutMs;
  }

  succeeded(): void {
    this.failures = 0;
  }
}
