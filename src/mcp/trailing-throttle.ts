/** Passes on a stream of values at most once per window, never losing the last one. */
export interface TrailingThrottle<T> {
  /**
   * Sends `value` at once when the last send is a window ago; otherwise holds it (in place of
   * any value held before) and sends it when the window ends. A value the same as the last one
   * sent is not sent again.
   */
  offer(value: T): void;
  /** Sends `last` at once (unless it is the same as the last one sent), drops any held value, and ignores every later offer. */
  end(last: T): Promise<void>;
  /** Drops any held value and ignores every later offer. */
  stop(): void;
}

/**
 * A throttle whose window is `windowMs` long, timed by Date.now and setTimeout. `isSame` says
 * when two values would tell a reader the same (default: Object.is). `send` must not reject:
 * a send made from the timer has no one to hear of its failure.
 */
export function createTrailingThrottle<T>(
  send: (value: T) => Promise<void>,
  windowMs: number,
  isSame: (a: T, b: T) => boolean = Object.is,
): TrailingThrottle<T> {
  let sent: { value: T; atMs: number } | undefined;
  let held: T | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;

  const sendNow = (value: T): Promise<void> => {
    sent = { value, atMs: Date.now() };
    return send(value);
  };
  const dropHeld = () => {
    clearTimeout(timer);
    timer = undefined;
    held = undefined;
  };

  return {
    offer(value) {
      if (ended) return;
      if (timer === undefined && sent !== undefined && isSame(sent.value, value)) return;
      const waitMs = sent === undefined ? 0 : sent.atMs + windowMs - Date.now();
      if (waitMs <= 0 && timer === undefined) {
        void sendNow(value);
        return;
      }
      held = value;
      timer ??= setTimeout(() => {
        const value = held as T;
        dropHeld();
        if (!isSame(sent!.value, value)) void sendNow(value);
      }, waitMs);
    },
    async end(last) {
      if (ended) return;
      ended = true;
      dropHeld();
      if (sent === undefined || !isSame(sent.value, last)) await sendNow(last);
    },
    stop() {
      ended = true;
      dropHeld();
    },
  };
}
