import { describe, expect, it } from 'vitest';
import { LoginSessions } from '../../src/dashboard/login-sessions.js';
import { LoginThrottle } from '../../src/dashboard/login-throttle.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('the dashboard login sessions', () => {
  it('end when idle longer than the limit, and each use starts the idle time again', () => {
    const time = clock();
    const sessions = new LoginSessions({ idleMs: 1000, maxSessions: 10 }, time.now);
    const id = sessions.open(undefined);
    time.advance(900);
    expect(sessions.use(id)).toBeDefined();
    time.advance(900);
    expect(sessions.use(id)).toBeDefined();
    time.advance(1001);
    expect(sessions.use(id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('give each session its own random id and CSRF token, and a new login ends the session it replaces', () => {
    const sessions = new LoginSessions({ idleMs: 1000, maxSessions: 10 }, clock().now);
    const first = sessions.open(undefined);
    const second = sessions.open(first);
    expect(second).not.toBe(first);
    expect(sessions.use(first)).toBeUndefined();
    const third = sessions.open(undefined);
    expect(sessions.use(second)!.csrf).not.toBe(sessions.use(third)!.csrf);
    expect(sessions.use('guessed')).toBeUndefined();
  });

  it('keep at most maxSessions, ending the one used longest ago', () => {
    const sessions = new LoginSessions({ idleMs: 1000, maxSessions: 3 }, clock().now);
    const [a, b, c] = [sessions.open(undefined), sessions.open(undefined), sessions.open(undefined)];
    sessions.use(a); // b is now the one used longest ago
    const d = sessions.open(undefined);
    expect(sessions.size).toBe(3);
    expect(sessions.use(b)).toBeUndefined();
    for (const id of [a, c, d]) expect(sessions.use(id)).toBeDefined();
  });
});

describe('the login throttle', () => {
  it('locks logins for lockoutMs after maxFailures wrong tokens in a row; a right one resets the count', () => {
    const time = clock();
    const throttle = new LoginThrottle({ maxFailures: 3, lockoutMs: 5000, maxClients: 2 }, time.now);
    throttle.failed('a');
    throttle.failed('a');
    throttle.succeeded('a');
    throttle.failed('a');
    throttle.failed('a');
    expect(throttle.lockedForSeconds('a')).toBe(0);
    throttle.failed('a');
    expect(throttle.lockedForSeconds('a')).toBe(5);
    // Another client is not locked out by a's guesses.
    expect(throttle.lockedForSeconds('b')).toBe(0);
    time.advance(4001);
    expect(throttle.lockedForSeconds('a')).toBe(1);
    time.advance(1000);
    expect(throttle.lockedForSeconds('a')).toBe(0);
  });

  it('remembers at most maxClients clients, the one heard from longest ago forgotten first', () => {
    const throttle = new LoginThrottle({ maxFailures: 1, lockoutMs: 5000, maxClients: 2 }, () => 0);
    for (const client of ['a', 'b', 'c']) throttle.failed(client);
    expect(['a', 'b', 'c'].map((c) => throttle.lockedForSeconds(c))).toEqual([0, 5, 5]);
  });
});
