import type { McpServer } from '@modelcontextprotocol/server';
import { HarnessConfigFileSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { NoArguments, portable } from '../portable-schema.js';

export function registerGetHarnessConfig(server: McpServer, harness: Harness): void {
  server.registerTool(
    'get_harness_config',
    {
      title: 'Harness config',
      description: 'The effective harness config: default timeouts and retries, limits, runner slots, and what a batch may override.',
      inputSchema: portable(NoArguments),
      outputSchema: portable(HarnessConfigFileSchema),
      annotations: { readOnlyHint: true },
    },
    () =>
      answer(async () => {
        const config = harness.configFile;
        return toolResult(config, `harness_config_version ${config.harness_config_version}; ${config.runners.max_concurrency} slots; runs root ${harness.paths.root}`);
      }),
  );
}
