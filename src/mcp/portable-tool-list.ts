import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ListToolsRequestSchema, ListToolsResultSchema, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { IllegalStateError, portableJsonSchema } from '../core/index.js';

type RawHandler = (request: unknown, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => Promise<unknown>;

/**
 * Makes tools/list publish every input and output schema in portable form (portableJsonSchema).
 * The SDK (1.32) converts the zod schemas itself and takes no conversion options, so its own
 * tools/list handler is kept and its answer rewritten. Call once the tools are registered: the
 * SDK installs that handler with the first one.
 */
export function publishPortableToolSchemas(server: McpServer): void {
  // Protocol keeps its handlers in a private map and offers no getter; a missing entry means the SDK changed.
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, RawHandler> })._requestHandlers;
  const listTools = handlers.get('tools/list');
  if (!listTools) throw new IllegalStateError('tools/list has no handler yet: register the tools before publishPortableToolSchemas');
  server.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const listed = ListToolsResultSchema.parse(await listTools(request, extra));
    return {
      ...listed,
      tools: listed.tools.map((tool) => ({
        ...tool,
        inputSchema: portableJsonSchema(tool.inputSchema),
        ...(tool.outputSchema ? { outputSchema: portableJsonSchema(tool.outputSchema) } : {}),
      })),
    };
  });
}
