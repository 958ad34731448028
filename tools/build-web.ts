// Builds the dashboard's front end (web/) into dist/web/: the page, one script and one style
// sheet, everything bundled, nothing fetched at run time. `npm run build` runs it after tsc.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web`;

await rm(out, { recursive: true, force: true });
await mkdir(`${out}/assets`, { recursive: true });
await build({
  entryPoints: { app: `${root}web/src/main.tsx` },
  outdir: `${out}/assets`,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile(`${root}web/index.html`, `${out}/index.html`);
