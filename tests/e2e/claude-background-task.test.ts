import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Script } from '../../tools/model-servers/script.js';
import { CLAUDE, claudeClientEnv } from './agents/claude-client.js';
import { startInTerminal } from './agents/terminal.js';
import { MODERN_REVISION } from './servers/harness-client.js';
import { eventually, goal, tempDir, workDirIn } from './servers/harness-server.js';
import { startHttpHarness } from './servers/http-server.js';

// Past the 60 s an MCP client commonly waits for a tools/call (the SDK's default request
// timeout): a result that comes after it can only have come through the task.
const BATCH_SECONDS = 60;

/** The JSON in the <result> of Claude Code's task notification, and the notification's task id and status. */
function notification(text: string): { taskId: string; status: string; result: any } | undefined {
  const match = /<task-notification>[\s\S]*?<status>(\w+)<\/status>[\s\S]*?<summary>MCP task (\w+) [\s\S]*?<result>\s*([\s\S]*?)\s*<\/result>/.exec(text);
  return match ? { status: match[1]!, taskId: match[2]!, result: JSON.parse(match[3]!) } : undefined;
}

describe('Claude Code 2.1.332 at a terminal, as the MCP client of harness-mcp', () => {
  it(
    'moves a run_batch call to the background as an MCP task, and its settled summary reaches the model when the batch settles',
    async () => {
      // Served over HTTP, started first: over stdio Claude Code gives a new server 3 s to answer
      // its server/discover probe, then settles for 2025-11-25, which has no tasks; a loaded
      // machine starts harness-mcp slower than that (claude-client.test.ts checks stdio's landing).
      const harness = await startHttpHarness();
      const jobDir = await workDirIn(await tempDir());
      const gate = join(jobDir, 'gate');
      const table = {
        batch_id: 'long',
        batch_goal_summary: goal('claude backgrounds harness'),
        defaults: { agent: 'command' },
        jobs: [
          {
            job_id: 'j',
            working_directory: jobDir,
            // Runs BATCH_SECONDS, then until the test opens the gate, so it cannot settle before the test has seen the call go to the background.
            steps: [{ step_id: 'long', command: ['sh', '-c', `sleep ${BATCH_SECONDS}; until [ -e gate ]; do sleep 0.2; done; echo done > done.txt`] }],
          },
        ],
      };
      const prompt = 'RUN THE LONG BATCH';
      const script: Script = (request) => {
        const said = request.userTexts.at(-1) ?? '';
        if (said.includes('<task-notification>')) return { kind: 'message', text: 'The long batch settled.' };
        if (!said.includes(prompt)) return { kind: 'message', text: 'Not scripted.' };
        if (request.toolOutputs.length > 0) return { kind: 'message', text: 'The long batch runs in the background.' };
        return { kind: 'call', name: 'mcp__harness__run_batch', arguments: table };
      };
      const env = await claudeClientEnv(script, { kind: 'http', url: harness.url, runsDir: harness.runsDir });
      const terminal = startInTerminal([CLAUDE, ...env.options, '--', prompt], { cwd: env.workdir, env: env.env });
      // A wait that gives up says what the terminal showed and what the model got by then.
      const explained = <T>(wait: Promise<T>) =>
        wait.catch((error: Error) => {
          const got = env.model.requests.map((r) => [r.userTexts.at(-1)?.slice(-300), r.toolOutputs]);
          throw new Error(`${error.message}\nthe terminal showed:\n${terminal.screen().slice(-3000)}\nthe model got ${JSON.stringify(got)}`);
        });

      // The call comes back at once: Claude Code moved the task to the background and told the model so.
      const placeholder = await explained(eventually(async () => env.model.requests.find((r) => r.toolOutputs.length > 0)?.toolOutputs[0], 'the run_batch call to come back', 60_000));
      const taskId = /started server-side task (\w+)\. It was moved to the background/.exec(placeholder)?.[1];
      expect(taskId, placeholder).toBeDefined();
      const taskFile = join(harness.runsDir, '_system', 'tasks', `${taskId}.json`);
      const working = JSON.parse(await readFile(taskFile, 'utf8'));
      expect(working).toMatchObject({ status: 'working', work: { tool: 'run_batch', batch_id: 'long' } });
      const { connection } = await env.connection();
      expect(connection).toMatchObject({ protocolEra: 'modern', negotiatedProtocolVersion: MODERN_REVISION });

      await writeFile(gate, '');
      // With nobody typing, the settled batch starts the model's next turn.
      const notified = await explained(
        eventually(async () => env.model.requests.map((r) => notification(r.userTexts.at(-1) ?? '')).find((n) => n !== undefined), 'the task notification', (BATCH_SECONDS + 60) * 1000),
      );
      const ended = JSON.parse(await readFile(taskFile, 'utf8'));
      expect(notified).toEqual({ taskId, status: 'completed', result: ended.result.structuredContent });
      expect(notified.result).toMatchObject({ batch_id: 'long', settled: true, timed_out: false, counts: { succeeded: 1, failed: 0 } });
      expect(ended).toMatchObject({ status: 'completed' });
      expect(Date.parse(ended.last_updated_at) - Date.parse(ended.created_at)).toBeGreaterThanOrEqual(BATCH_SECONDS * 1000);
      expect(await readFile(join(jobDir, 'done.txt'), 'utf8')).toBe('done\n');
      await terminal.stop();
    },
    (BATCH_SECONDS + 180) * 1000,
  );
});
