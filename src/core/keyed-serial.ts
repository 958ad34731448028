/**
 * Runs async functions one at a time per key, in call order. Every read-modify-write of one
 * file goes through here, so two steps of one job never lose each other's current.json update.
 * One server owns a runs root (see runs-lock.ts), so serializing inside the process suffices.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
