/** Wrong tokens in a row from one client that lock its login, for how long, and how many clients are remembered. */
export interface LoginThrottleLimits {
  maxFailures: number;
  lockoutMs: number;
  maxClients: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleLimits = { maxFailures: 10, lockoutMs: 30_000, maxClients: 10_000 };

interface ClientRecord {
  failures: number;
  lockedUntilMs: number;
}

/**
 * Slows a guesser down, per client address: after `maxFailures` wrong tokens in a row from one
 * address, its logins (the right token too, else the lockout would tell a guesser when it hit)
 * are refused for `lockoutMs`. Per address, so that one stranger's wrong guesses cannot lock
 * everyone else out. A token of the required strength is out of reach of guessing anyway; this
 * keeps a script from hammering the login. A right token resets its address's count. At most
 * `maxClients` addresses are remembered, the one heard from longest ago forgotten first.
 */
export class LoginThrottle {
  private readonly clients = new Map<string, ClientRecord>();

  constructor(
    readonly limits: LoginThrottleLimits,
    private readonly now: () => number,
  ) {}

  /** Seconds until `client`'s logins are taken again, or 0 when they are now. */
  lockedForSeconds(client: string): number {
    const left = (this.clients.get(client)?.lockedUntilMs ?? 0) - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  failed(client: string): void {
    const record = this.clients.get(client) ?? { failures: 0, lockedUntilMs: 0 };
    this.clients.delete(client); // re-inserted last: heard from now
    this.clients.set(client, record);
    while (this.clients.size > this.limits.maxClients) this.clients.delete(this.clients.keys().next().value!);
    record.failures += 1;
    if (record.failures < this.limits.maxFailures) return;
    record.failures = 0;
    record.lockedUntilMs = this.now() + this.limits.lockoutMs;
  }

  succeeded(client: string): void {
    this.clients.delete(client);
  }
}
