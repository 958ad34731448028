import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, TEST_CONFIG, tempDir, whenDone } from './servers/harness-server.js';

const MiB = 1024 * 1024;

/** The built server over raw stdio, for the lines no SDK client would write. */
async function startRaw(config: Record<string, unknown> = {}) {
  const dir = await tempDir();
  const configFile = join(dir, 'config.json');
  await writeFile(configFile, JSON.stringify({ ...TEST_CONFIG, ...config }));
  const child = spawn(process.execPath, [CLI, '--runs-dir', join(dir, 'runs'), '--config', configFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  let exit: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => ((exit = code), resolve())));
  whenDone(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const answers: any[] = [];
  const waiters: (() => void)[] = [];
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n')) {
      answers.push(JSON.parse(pending.slice(0, newline)));
      pending = pending.slice(newline + 1);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  /** Writes `line` and resolves with the next answer that matches `which`. */
  const answerTo = async (line: string | Buffer, which: (answer: any) => boolean): Promise<any> => {
    child.stdin.write(line);
    for (;;) {
      const found = answers.find(which);
      if (found) return found;
      if (exit !== undefined) throw new Error(`the server exited ${exit} without answering; stderr: ${stderr}`);
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), exited]);
    }
  };
  const request = (id: number, method: string, params: Record<string, unknown> = {}) => answerTo(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n', (a) => a.id === id);
  await request(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } });
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
  return { answerTo, request, exitCode: () => exit, answers: () => answers };
}

/** A tools/call of `bytes` bytes as one line, its id last as the SDK's client writes it. */
function bigCall(id: number, bytes: number): Buffer {
  const head = '{"method":"tools/call","params":{"name":"get_harness_config","arguments":{"pad":"';
  const tail = `"}},"jsonrpc":"2.0","id":${id}}\n`;
  return Buffer.concat([Buffer.from(head), Buffer.alloc(bytes - head.length - tail.length, 'a'), Buffer.from(tail)]);
}

describe('MCP over stdio, messages the SDK would not answer', () => {
  it('answers a message over the limit with an error and stays up; the limit follows limits.max_launch_table_bytes', async () => {
    const server = await startRaw({ limits: { max_launch_table_bytes: 12 * MiB } });
    // Under the limit (12 MiB + 64 KiB) though over the SDK's 10 MiB: read, and answered by the tool.
    const read = await server.answerTo(bigCall(1, 11 * MiB), (a) => a.id === 1);
    expect(read.result).toBeDefined();
    const refused = await server.answerTo(bigCall(2, 13 * MiB), (a) => a.id === 2);
    expect(refused.error.code).toBe(-32600);
    expect(refused.error.message).toMatch(
      new RegExp(`^The message is ${13 * MiB - 1} bytes, over the ${12 * MiB + 64 * 1024} this server reads on stdio; it was not read\\. .*raise that limit in the config`),
    );
    expect((await server.request(3, 'ping')).result).toEqual({});
    expect(server.exitCode()).toBeUndefined();
  });

  it('answers a line that is not JSON with -32700, one that is not JSON-RPC with -32600, and stays up', async () => {
    const server = await startRaw();
    // Each bad line is followed by a ping, so that a line left unanswered fails at once instead of hanging.
    const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }) + '\n';
    await server.answerTo('{"jsonrpc": "2.0", "id": 5, "method": \n' + ping(50), (a) => a.id === 50);
    expect(server.answers()).toContainEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: the line is not JSON/) } });
    await server.answerTo('{"id": 6, "hello": "world"}\n' + ping(60), (a) => a.id === 60);
    expect(server.answers().find((a) => a.id === 6)?.error).toEqual({ code: -32600, message: 'Invalid Request: the line is JSON but not a JSON-RPC 2.0 message' });
    expect((await server.request(7, 'ping')).result).toEqual({});
    expect(server.exitCode()).toBeUndefined();
  });
});
