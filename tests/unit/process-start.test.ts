import { afterEach, describe, expect, it, vi } from 'vitest';
import { processStartedAtMs } from '../../src/harness/process-start.js';

const HOUR = 3600_000;

describe('processStartedAtMs', () => {
  afterEach(() => vi.useRealTimers());

  it('stays before anything this process writes, whichever way the clock stepped since', () => {
    const now = Date.now(); // what a file written now is stamped with
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now + 2 * HOUR); // stepped forward (or faked so by a test)
    expect(processStartedAtMs()).toBeLessThanOrEqual(now);
    vi.setSystemTime(now - 2 * HOUR); // stepped back: files are stamped by the stepped clock
    expect(processStartedAtMs()).toBeLessThanOrEqual(Date.now());
  });

  it('is the start of the process when the clock did not step and the module loaded at once', () => {
    expect(processStartedAtMs()).toBeLessThanOrEqual(Date.now() - process.uptime() * 1000 + 1);
  });
});
