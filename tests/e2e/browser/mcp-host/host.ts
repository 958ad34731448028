/// <reference lib="dom" />
// A minimal MCP Apps host, run in the test's Chromium page (bundled by mcp-app.test.ts into its
// temp dir, never shipped): ext-apps' AppBridge talks to the app in a sandboxed iframe, and
// passes its tools/call and resources/read to the test's MCP client in Node (functions the test
// exposes on the page), as a chat host passes them to the server over its connection.
import { AppBridge, PostMessageTransport, type McpUiHostContext } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { CallToolRequest, CallToolResult, ReadResourceRequest, ReadResourceResult } from '@modelcontextprotocol/client';

declare global {
  interface Window {
    /** Exposed by the test: the Node client's tools/call and resources/read. */
    serverCallTool(params: CallToolRequest['params']): Promise<CallToolResult>;
    serverReadResource(params: ReadResourceRequest['params']): Promise<ReadResourceResult>;
    /** What the test drives: show the app's page, then hand it a tool's input and result. */
    showApp(html: string, context: McpUiHostContext): Promise<void>;
    appInitialized: boolean;
    bridge: AppBridge;
  }
}

// The restrictive default of SEP-1865 for a resource that declares no CSP: no network at all.
const DEFAULT_CSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' data:; connect-src 'none'";

window.appInitialized = false;
window.showApp = async (html, context) => {
  const bridge = new AppBridge(null, { name: 'harness-test-host', version: '0.0.0' }, { serverTools: {}, serverResources: {} }, { hostContext: context });
  bridge.oncalltool = (params) => window.serverCallTool(params);
  bridge.onreadresource = (params) => window.serverReadResource(params);
  bridge.oninitialized = () => void (window.appInitialized = true);
  window.bridge = bridge;

  const iframe = document.createElement('iframe');
  iframe.setAttribute('sandbox', 'allow-scripts'); // an opaque origin: no storage, no parent DOM, no top navigation
  iframe.title = 'MCP App';
  iframe.style.cssText = 'width: 100%; height: 900px; border: 1px solid #888';
  document.body.append(iframe);
  // Listening before the page loads: the app's ui/initialize is its first message.
  await bridge.connect(new PostMessageTransport(iframe.contentWindow!, iframe.contentWindow!));
  iframe.srcdoc = html.replace('<head>', `<head><meta http-equiv="Content-Security-Policy" content="${DEFAULT_CSP}">`);
};
