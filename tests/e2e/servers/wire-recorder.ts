import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, isProcessAlive, TEST_CONFIG, whenDone } from './harness-server.js';

const RECORDER = fileURLToPath(new URL('../../fixtures/record-stdio.mjs', import.meta.url));

/** A message on harness-mcp's stdio, as tests/fixtures/record-stdio.mjs recorded it. */
export interface WireMessage {
  from: 'client' | 'server';
  message: any;
}

/** A stdio harness-mcp for a real client to start, with what passes on its pipes recorded. */
export interface RecordedServer {
  /** The command and arguments the client's MCP config names. */
  command: string;
  args: string[];
  runsDir: string;
  /** Every message so far, in the order the recorder saw them. */
  wire(): Promise<WireMessage[]>;
}

/**
 * harness-mcp (the built dist/cli.js, runs root and config in `dir`) behind the recorder. The
 * client starts and stops it; one the client left running is stopped by its pid when the test ends.
 */
export async function recordedServer(dir: string): Promise<RecordedServer> {
  const runsDir = join(dir, 'runs');
  const config = join(dir, 'harness-config.json');
  const log = join(dir, 'wire.jsonl');
  await writeFile(config, JSON.stringify(TEST_CONFIG));
  const lines = async () =>
    (await readFile(log, 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
  whenDone(async () => {
    const pid = (await lines())[0]?.pid as number | undefined;
    if (pid !== undefined && (await isProcessAlive(pid))) process.kill(pid, 'SIGTERM');
  });
  return {
    command: process.execPath,
    args: [RECORDER, log, '--', process.execPath, CLI, '--runs-dir', runsDir, '--config', config],
    runsDir,
    wire: async () => (await lines()).slice(1),
  };
}

/** The server's answer to the client's request `id`. */
export function answerTo(wire: WireMessage[], id: unknown): any {
  return wire.find((m) => m.from === 'server' && m.message.id === id && ('result' in m.message || 'error' in m.message))?.message;
}

/** The client's requests of `method`, in order. */
export function requestsOf(wire: WireMessage[], method: string): any[] {
  return wire.filter((m) => m.from === 'client' && m.message.method === method).map((m) => m.message);
}
