import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ResourceMirror } from '../../src/dashboard/resource-mirror.js';
import { PageMirror } from '../../web/src/data/resource-mirror.js';

const URI = 'harness://batches/b/scoreboard';

/** A server mirror over a resource whose answer the test sets, and a way to say the batch changed. */
function serverMirror(initial: unknown) {
  let answer = JSON.stringify(initial);
  let reads = 0;
  const changed = new Set<(batchId: string) => void>();
  const harness = {
    onBatchChanged: (listener: (batchId: string) => void) => (changed.add(listener), () => changed.delete(listener)),
    onBatchAdded: () => () => undefined,
  };
  const mirror = new ResourceMirror(harness, async () => (reads++, answer));
  return {
    mirror,
    reads: () => reads,
    set(value: unknown) {
      answer = JSON.stringify(value);
      for (const listener of changed) listener('b');
    },
  };
}

const board = (statuses: string[], counts = statuses.length) => ({ batch_id: 'b', counts: { all: counts }, steps: statuses.map((status, i) => ({ step_id: `s${i}`, status })) });

describe('the dashboard resource mirrors', () => {
  it('answer reads between two changes with one read of the resource', async () => {
    const server = serverMirror(board(['running']));
    const [a, b] = await Promise.all([server.mirror.current(URI), server.mirror.current(URI)]);
    expect(a).toEqual(b);
    await server.mirror.current(URI);
    expect(server.reads()).toBe(1);
    server.set(board(['succeeded']));
    expect(JSON.parse((await server.mirror.current(URI)).text)).toEqual(board(['succeeded']));
    expect(server.reads()).toBe(2);
  });

  it('send no patch for a resource no page has read', async () => {
    const server = serverMirror(board(['running']));
    expect(await server.mirror.changed(URI)).toBeUndefined();
    expect(server.reads()).toBe(0);
  });

  it('bring a page copy to what a fresh read answers, for any change of the steps', async () => {
    const status = fc.constantFrom('blocked', 'ready', 'running', 'succeeded', 'failed');
    await fc.assert(
      fc.asyncProperty(fc.array(status, { maxLength: 20 }), fc.array(fc.array(status, { maxLength: 20 }), { minLength: 1, maxLength: 4 }), async (first, later) => {
        const server = serverMirror(board(first));
        const page = new PageMirror();
        const read = await server.mirror.current(URI);
        page.store(URI, read.version, JSON.parse(read.text));
        for (const statuses of later) {
          server.set(board(statuses, statuses.length + 1));
          page.apply((await server.mirror.changed(URI))!);
          expect(page.get(URI)).toEqual(board(statuses, statuses.length + 1));
        }
      }),
    );
  });

  it('make a page read again when a patch does not build on the copy it holds', async () => {
    const server = serverMirror(board(['running', 'ready']));
    const page = new PageMirror();
    const read = await server.mirror.current(URI);
    page.store(URI, read.version, JSON.parse(read.text));
    server.set(board(['succeeded', 'ready']));
    const missed = (await server.mirror.changed(URI))!;
    server.set(board(['succeeded', 'running']));
    page.apply((await server.mirror.changed(URI))!);
    expect(missed.base).toBe(read.version);
    expect(page.get(URI)).toBeUndefined();
    // A read answered before the newest change the stream named is kept only until read again.
    page.store(URI, missed.version, board(['succeeded', 'ready']));
    expect(page.get(URI)).toBeUndefined();
  });
});
