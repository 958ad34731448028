import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { BoundedEventStore, DEFAULT_EVENT_STORE_LIMITS, type EventStoreLimits, type SessionEventStore } from '../../src/mcp/http/event-store.js';

const progress = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: n } });
const answer = (id: number, text: string): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });

/** A store over a clock the test moves by hand. */
function storeWith(limits: Partial<EventStoreLimits> = {}) {
  const clock = { ms: 0 };
  const memory = new BoundedEventStore({ ...DEFAULT_EVENT_STORE_LIMITS, ...limits }, () => clock.ms);
  return { memory, clock };
}

async function replay(store: SessionEventStore, lastEventId: string): Promise<JSONRPCMessage[]> {
  const sent: JSONRPCMessage[] = [];
  await store.replayEventsAfter(lastEventId, { send: async (_id, m) => void sent.push(m) });
  return sent;
}

describe('BoundedEventStore', () => {
  it('replays what a stream sent after the last event id a client saw', async () => {
    const session = storeWith().memory.openSession();
    const ids = [];
    for (let i = 1; i <= 5; i++) ids.push(await session.storeEvent('stream-a', progress(i)));
    await session.storeEvent('stream-b', progress(99));
    const replayed: [string, unknown][] = [];
    const streamId = await session.replayEventsAfter(ids[1]!, { send: async (id, m) => void replayed.push([id, m]) });
    expect(streamId).toBe('stream-a');
    expect(replayed.map(([, m]) => (m as any).params.progress)).toEqual([3, 4, 5]);
    expect(replayed[0]![0]).toBe(ids[2]);
    expect(await session.getStreamIdForEventId(ids[0]!)).toBe('stream-a');
  });

  it('keeps a bounded number of events per stream and refuses ids it no longer knows', async () => {
    const session = storeWith({ perStream: 3 }).memory.openSession();
    const ids = [];
    for (let i = 1; i <= 10; i++) ids.push(await session.storeEvent('s', progress(i)));
    expect((await replay(session, ids[0]!)).map((m) => (m as any).params.progress)).toEqual([8, 9, 10]);
    await expect(replay(session, 'gone.4')).rejects.toThrow(/Unknown or expired event id gone\.4/);
  });

  it('gives a session nothing of another session’s streams, though the SDK names them alike', async () => {
    const { memory } = storeWith();
    const a = memory.openSession();
    const b = memory.openSession();
    const secret = await a.storeEvent('_GET_stream', progress(1));
    expect(await b.getStreamIdForEventId(secret)).toBeUndefined();
    await expect(replay(b, secret)).rejects.toThrow(/Unknown or expired event id _GET_stream\.1/);
    const own = await b.storeEvent('_GET_stream', progress(2));
    expect(own).toBe(secret);
    expect(await replay(b, '_GET_stream.0')).toEqual([progress(2)]);
    expect(await replay(a, '_GET_stream.0')).toEqual([progress(1)]);
  });

  it('keeps no answer over the event limit, only a small error that says to ask again', async () => {
    const { memory } = storeWith({ eventBytes: 1024 });
    const session = memory.openSession();
    await session.storeEvent('post', {} as JSONRPCMessage); // the SDK's priming event
    await session.storeEvent('post', progress(1));
    await session.storeEvent('post', { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x'.repeat(4096) } });
    await session.storeEvent('post', answer(7, 'x'.repeat(1024 * 1024)));
    const replayed = await replay(session, 'post.0');
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatchObject({ id: 7, error: { code: -32000, message: expect.stringMatching(/^The answer was \d+ bytes, over the 1024 kept for replay .*send the request again$/) } });
    expect(memory.heldBytes).toBeLessThan(1024);
  });

  it('keeps of a finished POST stream only its answer, and that only for finishedMs', async () => {
    const { memory, clock } = storeWith({ finishedMs: 60_000, idleMs: 900_000 });
    const session = memory.openSession();
    for (let i = 1; i <= 50; i++) await session.storeEvent('post', progress(i));
    await session.storeEvent('post', answer(1, 'done'));
    await session.storeEvent('_GET_stream', progress(0));
    expect(await replay(session, 'post.0')).toEqual([answer(1, 'done')]);
    clock.ms += 60_001;
    await session.storeEvent('_GET_stream', progress(0));
    expect(await session.getStreamIdForEventId('post.1')).toBeUndefined();
    expect(await session.getStreamIdForEventId('_GET_stream.1')).toBe('_GET_stream');
    clock.ms += 900_001;
    await memory.openSession().storeEvent('other', progress(0));
    expect(await session.getStreamIdForEventId('_GET_stream.1')).toBeUndefined();
  });

  it('bounds the bytes of every session together, dropping the least recently used streams first', async () => {
    const { memory } = storeWith({ totalBytes: 64 * 1024, eventBytes: 8 * 1024 });
    const sessions = Array.from({ length: 100 }, () => memory.openSession());
    for (const [i, session] of sessions.entries()) {
      for (let n = 0; n < 10; n++) await session.storeEvent(`s${i}`, answer(n, 'x'.repeat(4000)));
      expect(memory.heldBytes).toBeLessThanOrEqual(64 * 1024);
    }
    expect(await sessions[0]!.getStreamIdForEventId('s0.1')).toBeUndefined();
    expect(await sessions[99]!.getStreamIdForEventId('s99.1')).toBe('s99');
  });

  it('frees a session’s streams when it closes', async () => {
    const { memory } = storeWith();
    const session = memory.openSession();
    await session.storeEvent('_GET_stream', progress(1));
    await session.storeEvent('post', answer(1, 'done'));
    expect(memory.heldBytes).toBeGreaterThan(0);
    session.close();
    expect(memory.heldBytes).toBe(0);
    expect(await session.getStreamIdForEventId('_GET_stream.1')).toBeUndefined();
  });
});
