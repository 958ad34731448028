// Writes schemas/*.schema.json from the zod schemas: `npm run schemas`. Never edit them by hand.
import { writeFile, mkdir } from 'node:fs/promises';
import { renderSchema, SCHEMAS } from './schemas.js';

const dir = new URL('../schemas/', import.meta.url);
await mkdir(dir, { recursive: true });
for (const name of Object.keys(SCHEMAS)) {
  await writeFile(new URL(`${name}.schema.json`, dir), renderSchema(name));
}
process.stdout.write(`wrote ${Object.keys(SCHEMAS).length} schemas to schemas/\n`);
