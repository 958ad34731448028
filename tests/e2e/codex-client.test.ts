import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { codexConfigToml, startResponsesServer } from '../../tools/model-servers/responses-server.js';
import { CODEX } from './agents/codex-env.js';
import { goal, tempDir, whenDone } from './servers/harness-server.js';
import { answerTo, recordedServer, requestsOf } from './servers/wire-recorder.js';

/** The MCP revision codex 0.171 asks for in its initialize request. */
const CODEX_REVISION = '2025-06-18';

describe('a real agent as the MCP client', () => {
  it('lets codex, configured with harness-mcp in [mcp_servers], submit a batch and wait for it to succeed', async () => {
    const dir = await tempDir();
    const server = await recordedServer(dir);
    const workdir = join(dir, 'work');
    await mkdir(workdir);
    const table = {
      batch_id: 'from-codex',
      batch_goal_summary: goal('codex drives harness'),
      defaults: { agent: 'command' },
      jobs: [{ job_id: 'j', working_directory: workdir, steps: [{ step_id: 'hello', command: ['sh', '-c', 'echo hello > hello.txt'] }] }],
    };
    // The model finds harness-mcp's tools with codex's tool search, then calls them in the
    // mcp__harness namespace. codex starts the turn without waiting for its MCP servers, so on a
    // loaded machine a first search can come back without them: the model waits and searches again.
    const model = await startResponsesServer((request) => {
      const items = request.afterLastUser;
      const searches = items.filter((i) => i.type === 'tool_search_output');
      const calls = items.filter((i) => i.type === 'function_call' && i.namespace === 'mcp__harness').length;
      const found = JSON.stringify(searches.at(-1) ?? {}).includes('"submit_batch"');
      if (calls === 0 && !found) {
        if (searches.length >= 20) return { kind: 'message', text: 'harness-mcp never showed up in tool search' };
        return items.at(-1)?.type === 'tool_search_output' ? { kind: 'shell', cmd: 'sleep 0.5' } : { kind: 'tool_search', query: 'submit batch wait for batch' };
      }
      if (calls === 0) return { kind: 'call', namespace: 'mcp__harness', name: 'submit_batch', arguments: table };
      if (calls === 1) return { kind: 'call', namespace: 'mcp__harness', name: 'wait_for_batch', arguments: { batch_id: 'from-codex', timeout_seconds: 30 } };
      return { kind: 'message', text: 'The batch from-codex is done.' };
    });
    whenDone(() => model.close());
    const home = join(dir, 'codex_home');
    await mkdir(home);
    await writeFile(
      join(home, 'config.toml'),
      `${codexConfigToml(model.baseUrl)}
[mcp_servers.harness]
command = ${JSON.stringify(server.command)}
args = ${JSON.stringify(server.args)}
# As the README tells users; --strict-config below proves codex knows every key.
default_tools_approval_mode = "approve"
tool_timeout_sec = 120
`,
    );
    const run = await execa(CODEX, ['exec', '--strict-config', '--json', '--skip-git-repo-check', '-C', workdir, '--', 'ORCHESTRATE a batch'], {
      env: { CODEX_HOME: home },
      stdin: 'ignore',
      reject: false,
      timeout: 90_000,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const mcpCalls = events.filter((e) => e.type === 'item.completed' && e.item.type === 'mcp_tool_call').map((e) => [e.item.tool, e.item.status]);
    expect(mcpCalls, run.stdout).toEqual([
      ['submit_batch', 'completed'],
      ['wait_for_batch', 'completed'],
    ]);

    // What the agent saw came back from the harness, and the batch really ran.
    const waited = model.requests.at(-1)!.toolOutputs.at(-1)!;
    expect(waited).toContain('from-codex');
    expect(waited).toContain('settled');
    expect(await readFile(join(workdir, 'hello.txt'), 'utf8')).toBe('hello\n');
    const current = JSON.parse(await readFile(join(server.runsDir, 'from-codex', 'j', 'current.json'), 'utf8'));
    expect(current.steps.hello.latest.status).toBe('succeeded');

    // codex 0.171 opens with the initialize handshake and no server/discover. It asks for
    // 2025-06-18, not 2025-11-25, and the server, which still speaks that revision, agrees to it.
    const wire = await server.wire();
    const [initialize, ...others] = requestsOf(wire, 'initialize');
    expect(others).toEqual([]);
    expect(initialize.params.protocolVersion).toBe(CODEX_REVISION);
    expect(answerTo(wire, initialize.id).result.protocolVersion).toBe(CODEX_REVISION);
    expect(requestsOf(wire, 'server/discover')).toEqual([]);
  });
});
