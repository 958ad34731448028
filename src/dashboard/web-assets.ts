import { fileURLToPath } from 'node:url';

/**
 * Where the dashboard's built front end lives: dist/web/, written by tools/build-web.ts next to
 * the compiled server (dist/dashboard/ holds this module), so a packed package carries both.
 */
export const WEB_ASSETS_DIR = fileURLToPath(new URL('../web/', import.meta.url));
export const DASHBOARD_PAGE = 'index.html';
