import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { InProcessServer } from './servers/in-process-server.js';

// Issue 12: clients that map tool schemas onto a single-`type` dialect (Gemini's OpenAPI subset)
// reject a JSON Schema type array, and the MCP Inspector's --strict check warns on it and on an
// empty `additionalProperties`. zod 4 writes both; portableJsonSchema rewrites them.

/** The JSON paths of every type array and empty additionalProperties below `node`. */
function unportable(node: unknown, path: string, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item, i) => unportable(item, `${path}[${i}]`, found));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'type' && Array.isArray(value)) found.push(`${path}.type ${JSON.stringify(value)}`);
      if (key === 'additionalProperties' && value !== null && typeof value === 'object' && Object.keys(value).length === 0) found.push(`${path}.additionalProperties {}`);
      unportable(value, `${path}.${key}`, found);
    }
  }
  return found;
}

describe('portable schemas', () => {
  it('publishes every tool’s input and output schema without type arrays', async () => {
    const server = await InProcessServer.start();
    const { tools } = await server.client.listTools();
    expect(tools.length).toBeGreaterThanOrEqual(14);
    const found = tools.flatMap((t) => [...unportable(t.inputSchema, `${t.name}.inputSchema`), ...unportable(t.outputSchema, `${t.name}.outputSchema`)]);
    expect(found).toEqual([]);
    // The rewrite must keep nullable fields nullable.
    const board = tools.find((t) => t.name === 'get_scoreboard')!.outputSchema as any;
    expect(board.properties.next_cursor).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    const changes = tools.find((t) => t.name === 'get_changes')!.outputSchema as any;
    expect(changes.properties.run_id).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }] });
  });

  it('checks in schemas/ without type arrays', async () => {
    const dir = new URL('../../schemas/', import.meta.url);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(12);
    const found: string[] = [];
    for (const file of files) unportable(JSON.parse(await readFile(new URL(file, dir), 'utf8')), file, found);
    expect(found).toEqual([]);
  });
});
