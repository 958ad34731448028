import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAnthropicServer, type AnthropicServer } from '../../../tools/model-servers/anthropic-server.js';
import type { Script } from '../../../tools/model-servers/script.js';
import { tempDir, whenDone } from '../servers/harness-server.js';
import { recordedServer, type WireMessage } from '../servers/wire-recorder.js';
import { bin } from './agents-under-test.js';

/** Pinned Claude Code 2.1.332 from node_modules. */
export const CLAUDE = bin('claude');
/** The name harness-mcp has in Claude Code's MCP config; its tools are mcp__harness__<tool>. */
export const SERVER_NAME = 'harness';
const API_KEY = 'sk-ant-client-test-0123456789abcdef';

/** What Claude Code's debug log says of its connection to harness-mcp. */
export interface ClaudeConnection {
  protocolEra: 'legacy' | 'modern';
  negotiatedProtocolVersion: string;
}

export interface ClaudeClientEnv {
  /** Claude Code's working directory, where the batches' jobs work too. */
  workdir: string;
  runsDir: string;
  model: AnthropicServer;
  /** Claude Code's environment: a HOME of its own, the scripted model, no traffic elsewhere. */
  env: Record<string, string>;
  /** The options that load harness-mcp alone, let the model call its tools without asking, and write the debug log. */
  options: string[];
  /** What harness-mcp's stdio carried (stdio only). */
  wire(): Promise<WireMessage[]>;
  /** The connection as Claude Code's debug log reports it, and the whole log (for failure messages). */
  connection(): Promise<{ connection: ClaudeConnection | undefined; log: string }>;
}

/** harness-mcp as Claude Code reaches it: a stdio server Claude Code starts, or the URL of one the test runs. */
export type HarnessTransport = { kind: 'stdio' } | { kind: 'http'; url: string; runsDir: string };

/**
 * A place where the real Claude Code runs with harness-mcp as its only MCP server and a scripted
 * Anthropic model on 127.0.0.1. Over stdio Claude Code starts harness-mcp behind the recorder
 * and stops it when it exits.
 */
export async function claudeClientEnv(script: Script, transport: HarnessTransport = { kind: 'stdio' }): Promise<ClaudeClientEnv> {
  const dir = await tempDir();
  const workdir = join(dir, 'work');
  const configDir = join(dir, 'home', '.claude');
  await mkdir(workdir);
  await mkdir(configDir, { recursive: true });
  const model = await startAnthropicServer(script);
  whenDone(() => model.close());
  // What a person does once at a terminal: onboarding, trusting the folder, accepting the API key.
  await writeFile(
    join(configDir, '.claude.json'),
    JSON.stringify({
      hasCompletedOnboarding: true,
      projects: { [workdir]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
      customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] },
    }),
  );
  const recorded = transport.kind === 'stdio' ? await recordedServer(dir) : undefined;
  const server = recorded ? { type: 'stdio', command: recorded.command, args: recorded.args } : { type: 'http', url: (transport as { url: string }).url };
  const mcpConfig = join(dir, 'mcp.json');
  await writeFile(mcpConfig, JSON.stringify({ mcpServers: { [SERVER_NAME]: server } }));
  const debugLog = join(dir, 'claude-debug.log');
  return {
    workdir,
    runsDir: recorded?.runsDir ?? (transport as { runsDir: string }).runsDir,
    model,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(dir, 'home'),
      CLAUDE_CONFIG_DIR: configDir,
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: API_KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
    },
    options: ['--mcp-config', mcpConfig, '--strict-mcp-config', '--allowedTools', `mcp__${SERVER_NAME}`, '--debug-file', debugLog],
    wire: () => (recorded ? recorded.wire() : Promise.resolve([])),
    connection: async () => {
      const log = await readFile(debugLog, 'utf8').catch(() => '');
      // Claude Code 2.1.332 logs: MCP server "harness": Connection established with capabilities: {…, "protocolEra", "negotiatedProtocolVersion"}
      const line = new RegExp(`MCP server "${SERVER_NAME}": Connection established with capabilities: (\\{.*\\})$`, 'm').exec(log);
      return { connection: line ? (JSON.parse(line[1]!) as ClaudeConnection) : undefined, log };
    },
  };
}

/**
 * The line of Claude Code's debug log saying a stdio server answered its server/discover probe
 * after the probe's bound (3 s in 2.1.332), when it did: the session then falls back to
 * 2025-11-25, so a machine too loaded to start harness-mcp in time shows as that in a failure.
 */
export function lateProbe(log: string): string {
  return log.split('\n').find((line) => line.includes('answered the server/discover probe after its bound')) ?? 'the debug log names no late probe';
}
