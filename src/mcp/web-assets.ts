import { fileURLToPath } from 'node:url';

/**
 * Where the built front end lives: dist/web/, written by tools/build-web.ts next to the compiled
 * server (dist/mcp/ holds this module), so a packed package carries both. The dashboard serves
 * its page and assets from here; the MCP App's one self-contained page is here too.
 */
export const WEB_ASSETS_DIR = fileURLToPath(new URL('../web/', import.meta.url));
export const DASHBOARD_PAGE = 'index.html';
/** The MCP App's page, script and style sheet inlined: a host renders it in an iframe with no network. */
export const MCP_APP_PAGE = 'mcp-app.html';
