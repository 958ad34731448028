import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTrailingThrottle } from '../../src/mcp/trailing-throttle.js';

const WINDOW_MS = 500;

function recordingThrottle() {
  const sent: string[] = [];
  const throttle = createTrailingThrottle<string>(async (value) => void sent.push(value), WINDOW_MS);
  return { sent, throttle };
}

describe('createTrailingThrottle', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('sends the last of two changes that land inside the window when the window ends', () => {
    const { sent, throttle } = recordingThrottle();
    throttle.offer('1/5');
    expect(sent).toEqual(['1/5']);
    vi.advanceTimersByTime(100);
    throttle.offer('3/5');
    vi.advanceTimersByTime(100);
    throttle.offer('4/5');
    expect(sent).toEqual(['1/5']);
    vi.advanceTimersByTime(WINDOW_MS - 200 - 1);
    expect(sent).toEqual(['1/5']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['1/5', '4/5']);
    // Nothing more is held, so nothing more comes.
    vi.advanceTimersByTime(10 * WINDOW_MS);
    expect(sent).toEqual(['1/5', '4/5']);
  });

  it('sends a change at once when the last send is a window ago, and never the same value twice', () => {
    const { sent, throttle } = recordingThrottle();
    throttle.offer('1/5');
    throttle.offer('1/5');
    vi.advanceTimersByTime(WINDOW_MS);
    throttle.offer('1/5');
    throttle.offer('2/5');
    expect(sent).toEqual(['1/5', '2/5']);
    // A change and its undoing inside one window leave nothing to tell.
    throttle.offer('3/5');
    throttle.offer('2/5');
    vi.advanceTimersByTime(WINDOW_MS);
    expect(sent).toEqual(['1/5', '2/5']);
  });

  it('sends the final value before the answer even inside the window, and nothing after', async () => {
    const { sent, throttle } = recordingThrottle();
    throttle.offer('3/5');
    vi.advanceTimersByTime(100);
    throttle.offer('4/5');
    await throttle.end('5/5');
    expect(sent).toEqual(['3/5', '5/5']);
    throttle.offer('4/5');
    vi.advanceTimersByTime(10 * WINDOW_MS);
    expect(sent).toEqual(['3/5', '5/5']);
  });

  it('does not repeat a final value that was the last one sent', async () => {
    const { sent, throttle } = recordingThrottle();
    throttle.offer('5/5');
    await throttle.end('5/5');
    expect(sent).toEqual(['5/5']);
  });

  it('drops a held value when stopped', () => {
    const { sent, throttle } = recordingThrottle();
    throttle.offer('1/5');
    throttle.offer('2/5');
    throttle.stop();
    vi.advanceTimersByTime(10 * WINDOW_MS);
    expect(sent).toEqual(['1/5']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
