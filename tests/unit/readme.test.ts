import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseHarnessConfig } from '../../src/config/index.js';

describe('README', () => {
  it('shows a harness config example that is exactly the built-in defaults', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Harness config'));
    const example = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    expect(parseHarnessConfig(JSON.parse(example!), 'README').config).toEqual(parseHarnessConfig({}, 'defaults').config);
  });
});
