import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Which top-level parts of src/ each part may import (STYLE.md "the tree is the architecture"). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  store: ['core'],
  'launch-table': ['core'],
  config: ['core', 'store'],
  agents: ['core'],
  process: ['core'],
  workproduct: ['core', 'process'],
  runner: ['core', 'store', 'agents', 'process', 'workproduct'],
  batch: ['core', 'store'],
  scoreboard: ['core', 'store', 'batch'],
  scheduler: ['core', 'store', 'batch', 'runner', 'launch-table', 'agents', 'process', 'workproduct'],
  queue: ['core', 'store'],
  distributed: ['core', 'store', 'agents', 'process', 'runner', 'scheduler'],
  harness: ['core', 'store', 'batch', 'agents', 'config', 'scheduler', 'scoreboard', 'queue', 'process', 'workproduct', 'distributed'],
  mcp: ['core', 'store', 'scoreboard', 'harness'],
  dashboard: ['core', 'scoreboard', 'harness', 'mcp'],
  commands: ['core', 'store', 'scoreboard', 'harness', 'mcp', 'dashboard', 'queue', 'distributed', 'agents', 'config'],
  'cli.ts': ['core', 'commands'],
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : [join(dir, e.name)])));
  return nested.flat().filter((f) => f.endsWith('.ts'));
}

function partOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

describe('the import graph of src/', () => {
  it('has only the edges of the layering table, each through the floor’s index.ts', async () => {
    const wrong: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const from = partOf(file);
      const text = await readFile(file, 'utf8');
      for (const [, spec] of text.matchAll(/^import[^'"]*['"](\.{1,2}\/[^'"]+)['"]/gm)) {
        const target = join(file, '..', spec!.replace(/\.js$/, '.ts'));
        const to = partOf(target);
        if (to !== from && !ALLOWED[from]?.includes(to)) wrong.push(`${relative(SRC, file)} imports ${to}`);
        // Another floor is entered through its index.ts, its chosen surface (a top-level file is a floor of its own).
        if (to !== from && !to.includes('.') && relative(join(SRC, to), target) !== 'index.ts') {
          wrong.push(`${relative(SRC, file)} imports ${relative(SRC, target)} past ${to}/index.ts`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('knows every part of src/', async () => {
    const parts = new Set((await sourceFiles(SRC)).map(partOf));
    expect([...parts].sort()).toEqual(Object.keys(ALLOWED).sort());
  });
});
