import { readFileSync } from 'node:fs';

// src/core and dist/core are both two levels below the package root.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export const HARNESS_NAME = pkg.name;
export const HARNESS_VERSION = pkg.version;
