// Builds the front end (web/) into dist/web/, everything bundled, nothing fetched at run time.
// `npm run build` runs it after tsc.
// - the dashboard: its page, one script and one style sheet (dist/web/index.html, assets/);
// - the MCP App: one page with its script and style sheet inlined (dist/web/mcp-app.html), since
//   a host renders it from the text of a ui:// resource in a sandboxed iframe with no network.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web`;

const common: BuildOptions = {
  bundle: true,
  minify: true,
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
};

await rm(out, { recursive: true, force: true });
await mkdir(`${out}/assets`, { recursive: true });
await build({ ...common, entryPoints: { app: `${root}web/src/main.tsx` }, outdir: `${out}/assets`, format: 'esm', legalComments: 'linked' });
await copyFile(`${root}web/index.html`, `${out}/index.html`);

/**
 * ext-apps' App brings the MCP client and zod; the client's namespace use of zod keeps all of zod's
 * error-message locales in the bundle (a third of the page), though only English, which zod
 * imports on its own, is ever used. The others become empty modules.
 */
const onlyEnglishZodLocales: Plugin = {
  name: 'only-english-zod-locales',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) =>
      /zod\/v4\/locales\/index\.js$/.test(args.importer) ? { path: args.path, namespace: 'unused-zod-locale' } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'unused-zod-locale' }, () => ({ contents: 'export default function () { return {}; }', loader: 'js' }));
  },
};

// A classic script (an inline module would do as well; this needs no module support of the iframe).
const app = await build({
  ...common,
  entryPoints: { 'mcp-app': `${root}web/src/mcp-app.tsx` },
  outdir: out,
  format: 'iife',
  legalComments: 'eof',
  plugins: [onlyEnglishZodLocales],
  write: false,
});
const outputOf = (ext: string) => app.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
// `</script` or `</style` inside the code would end the element early; escaped, it means the same to JS and CSS.
const js = outputOf('.js').replaceAll('</script', '<\\/script');
const css = outputOf('.css').replaceAll('</style', '<\\/style');
const page = (await readFile(`${root}web/mcp-app.html`, 'utf8')).replace('__MCP_APP_CSS__', () => css).replace('__MCP_APP_JS__', () => js);
await writeFile(`${out}/mcp-app.html`, page);
