// The built front end's place is known once, in mcp/ (the MCP App's page is served from there too).
export { DASHBOARD_PAGE, WEB_ASSETS_DIR } from '../mcp/index.js';
