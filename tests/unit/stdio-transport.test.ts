import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { BoundedStdioTransport } from '../../src/mcp/stdio-transport.js';

/** The transport over in-memory streams: what it hands on, and what it answers by itself. */
async function startTransport(maxLineBytes: number) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const transport = new BoundedStdioTransport(maxLineBytes, 'Use the queue.', stdin, stdout);
  const received: JSONRPCMessage[] = [];
  transport.onmessage = (message) => void received.push(message);
  let closed = false;
  transport.onclose = () => void (closed = true);
  await transport.start();
  const answers = () =>
    (stdout.read() as Buffer | null)
      ?.toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line)) ?? [];
  return { stdin, transport, received, answers, closed: () => closed };
}

const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

describe('BoundedStdioTransport', () => {
  it('reads a message split across chunks, and a line ending in CRLF', async () => {
    const t = await startTransport(1024);
    const line = ping(1);
    t.stdin.write(line.slice(0, 10));
    t.stdin.write(line.slice(10) + '\r\n' + ping(2) + '\n');
    expect(t.received).toEqual([JSON.parse(ping(1)), JSON.parse(ping(2))]);
  });

  it('answers a line over the limit with the id either end of it shows, reads on, and stays open', async () => {
    const t = await startTransport(256);
    const pad = 'x'.repeat(1000);
    t.stdin.write(`{"jsonrpc":"2.0","id":"first","method":"tools/call","params":{"pad":"${pad}"}}\n`);
    t.stdin.write(`{"method":"tools/call","params":{"pad":"${pad}",`);
    t.stdin.write(`"more":"${pad}"},"jsonrpc":"2.0","id":42}\n`);
    t.stdin.write(`{"method":"tools/call","params":{"id":7,"pad":"${pad}"}}\n` + ping(3) + '\n');
    const answers = t.answers();
    expect(answers.map((a) => a.id)).toEqual(['first', 42, null]);
    expect(answers[1].error).toEqual({ code: -32600, message: `The message is ${2 * pad.length + 77} bytes, over the 256 this server reads on stdio; it was not read. Use the queue.` });
    expect(t.received).toEqual([JSON.parse(ping(3))]);
    expect(t.closed()).toBe(false);
  });

  it('closes when stdin ends, and only then', async () => {
    const t = await startTransport(64);
    t.stdin.write('x'.repeat(1000) + '\n');
    expect(t.closed()).toBe(false);
    t.stdin.end();
    await new Promise((resolve) => t.stdin.once('end', resolve));
    expect(t.closed()).toBe(true);
  });
});
