import { readFile, readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderSchema, SCHEMAS } from '../../tools/schemas.js';

const dir = new URL('../../schemas/', import.meta.url);

describe('schemas/', () => {
  it.each(Object.keys(SCHEMAS))('holds %s.schema.json exactly as generated from zod (run `npm run schemas`)', async (name) => {
    expect(await readFile(new URL(`${name}.schema.json`, dir), 'utf8')).toBe(renderSchema(name));
  });

  it('holds no schema that zod no longer generates', async () => {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.schema.json'));
    expect(files.map((f) => f.replace('.schema.json', '')).sort()).toEqual(Object.keys(SCHEMAS).sort());
  });
});
