import { describe, expect, it } from 'vitest';
import { BoundedEventStore } from '../../src/mcp/http/event-store.js';

const message = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: 't', progress: n } });

describe('BoundedEventStore', () => {
  it('replays what a stream sent after the last event id a client saw', async () => {
    const store = new BoundedEventStore();
    const ids = [];
    for (let i = 1; i <= 5; i++) ids.push(await store.storeEvent('stream-a', message(i)));
    await store.storeEvent('stream-b', message(99));
    const replayed: [string, unknown][] = [];
    const streamId = await store.replayEventsAfter(ids[1]!, { send: async (id, m) => void replayed.push([id, m]) });
    expect(streamId).toBe('stream-a');
    expect(replayed.map(([, m]) => (m as any).params.progress)).toEqual([3, 4, 5]);
    expect(replayed[0]![0]).toBe(ids[2]);
    expect(await store.getStreamIdForEventId(ids[0]!)).toBe('stream-a');
  });

  it('keeps a bounded number of events per stream and refuses ids it no longer knows', async () => {
    const store = new BoundedEventStore(3);
    const ids = [];
    for (let i = 1; i <= 10; i++) ids.push(await store.storeEvent('s', message(i)));
    const replayed: number[] = [];
    await store.replayEventsAfter(ids[0]!, { send: async (_id, m) => void replayed.push((m as any).params.progress) });
    expect(replayed).toEqual([8, 9, 10]);
    await expect(store.replayEventsAfter('gone.4', { send: async () => undefined })).rejects.toThrow(/Unknown or expired event id gone\.4/);
  });
});
