import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { McpServer } from '@modelcontextprotocol/server';
import { EXTENSION_ID, RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY, registerAppResource } from '@modelcontextprotocol/ext-apps/server';
import { HarnessError } from '../core/index.js';
import { SERVER_LIFE } from './cache-hints.js';
import { MCP_APP_PAGE, WEB_ASSETS_DIR } from './web-assets.js';

// The MCP App (SEP-1865): a host that renders apps shows run_batch, wait_for_batch and
// get_scoreboard results in the batch view of web/src/mcp-app.tsx, in a sandboxed iframe that
// reads and acts through the host's tool calls. A host without apps ignores the `_meta` and
// shows the same text and structured results as before.

export const BATCH_APP_URI = 'ui://harness/batch';

/** The extension in the server's capabilities (SEP-2133); SEP-1865 defines no server settings. */
export const UI_EXTENSION = { [EXTENSION_ID]: {} };

/**
 * The `_meta` of a tool whose result the batch view shows. The flat `ui/resourceUri` key is the
 * deprecated spelling hosts before the final spec read; ext-apps' registerAppTool writes both,
 * and so do we, keeping these tools registered like every other one.
 */
export const BATCH_APP_TOOL_META = { ui: { resourceUri: BATCH_APP_URI }, [RESOURCE_URI_META_KEY]: BATCH_APP_URI };

export class AppPageMissingError extends HarnessError {
  readonly code = 'app_page_missing';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`The MCP App's page ${path} is missing: build the front end with \`npm run build\``, { cause });
  }
}

/** The page, read once: it is a build output and does not change while the server runs. */
let page: Promise<string> | undefined;

function readPage(): Promise<string> {
  const path = join(WEB_ASSETS_DIR, MCP_APP_PAGE);
  page ??= readFile(path, 'utf8').catch((cause: unknown) => {
    page = undefined; // a build that lands later is read on the next request
    throw new AppPageMissingError(path, cause);
  });
  return page;
}

/** `ui://harness/batch`, the app's one self-contained HTML page (no network: nothing to declare in a CSP). */
export function registerBatchApp(server: McpServer): void {
  registerAppResource(
    server,
    'batch-app',
    BATCH_APP_URI,
    {
      title: 'Batch view',
      description: 'The batch view (step DAG, attention, running steps, cancel and retry) for hosts that render MCP Apps',
      _meta: { ui: { prefersBorder: true } },
    },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: RESOURCE_MIME_TYPE, text: await readPage() }], ...SERVER_LIFE }),
  );
}
