import { afterEach, describe, expect, it, vi } from 'vitest';
import { processStartedAtMs } from '../../src/harness/process-start.js';

const HOUR = 3600_000;

describe('processStartedAtMs', () => {
  afterEach(() => vi.useRealTimers());

  it('is no later than the real start of the process, whichever way the clock stepped since', () => {
    const realStart = Date.now() - process.uptime() * 1000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * HOUR);
    expect(processStartedAtMs()).toBeLessThanOrEqual(realStart + 1000);
    vi.setSystemTime(Date.now() - 4 * HOUR);
    expect(processStartedAtMs()).toBeLessThanOrEqual(Date.now() - process.uptime() * 1000 + 1);
  });

  it('is the start of the process when the clock did not step', () => {
    expect(Math.abs(processStartedAtMs() - (Date.now() - process.uptime() * 1000))).toBeLessThan(1000);
  });
});
