import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLAUDE, claudeClientEnv, lateProbe } from './agents/claude-client.js';
import { LEGACY_REVISION, MODERN_REVISION } from './servers/harness-client.js';
import { goal, tempDir, workDirIn } from './servers/harness-server.js';
import { answerTo, requestsOf, type WireMessage } from './servers/wire-recorder.js';

const PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';

type Era = 'legacy' | 'modern';

/** What harness-mcp saw of the revision: how the client opened, what it answered, and what each tools/call carried. */
function expectRevision(wire: WireMessage[], era: Era): void {
  const opening = wire.find((m) => m.from === 'client')!.message;
  const calls = requestsOf(wire, 'tools/call');
  if (era === 'modern') {
    expect(opening).toMatchObject({ method: 'server/discover', params: { _meta: { [PROTOCOL_VERSION]: MODERN_REVISION } } });
    expect(answerTo(wire, opening.id).result.supportedVersions).toContain(MODERN_REVISION);
    expect(requestsOf(wire, 'initialize')).toEqual([]);
    for (const call of calls) expect(call.params._meta[PROTOCOL_VERSION]).toBe(MODERN_REVISION);
    // resultType is a 2026-07-28 field: the server answered each call in that revision.
    for (const call of calls) expect(answerTo(wire, call.id).result.resultType).toBe('complete');
  } else {
    expect(opening).toMatchObject({ method: 'initialize', params: { protocolVersion: LEGACY_REVISION } });
    expect(answerTo(wire, opening.id).result.protocolVersion).toBe(LEGACY_REVISION);
    expect(requestsOf(wire, 'server/discover')).toEqual([]);
    for (const call of calls) expect(call.params._meta?.[PROTOCOL_VERSION]).toBeUndefined();
    for (const call of calls) expect(answerTo(wire, call.id).result.resultType).toBeUndefined();
  }
}

const NEGOTIATIONS: { negotiation: string; env: Record<string, string>; era: Era; revision: string }[] = [
  { negotiation: 'its default negotiation', env: {}, era: 'modern', revision: MODERN_REVISION },
  { negotiation: 'MCP_PROTOCOL_NEGOTIATION=legacy', env: { MCP_PROTOCOL_NEGOTIATION: 'legacy' }, era: 'legacy', revision: LEGACY_REVISION },
];

describe('Claude Code 2.1.332 as the MCP client of harness-mcp over stdio, in print mode', () => {
  it.each(NEGOTIATIONS)('with $negotiation, lands on $revision and runs batches through the tools end to end', async ({ env: negotiation, era, revision }) => {
    const jobDir = await workDirIn(await tempDir());
    const table = (batchId: string) => ({
      batch_id: batchId,
      batch_goal_summary: goal('claude drives harness'),
      defaults: { agent: 'command' },
      jobs: [{ job_id: 'j', working_directory: jobDir, steps: [{ step_id: 's', command: ['sh', '-c', `echo ${batchId} > ${batchId}.txt`] }] }],
    });
    // One user turn: the model makes these calls in order, each after the last one's result is back.
    const calls: [string, Record<string, unknown>][] = [
      ['submit_batch', table('first')],
      ['wait_for_batch', { batch_id: 'first', timeout_seconds: 60 }],
      // Print mode takes no tasks, so run_batch is a plain call that waits for the batch.
      ['run_batch', table('second')],
    ];
    const env = await claudeClientEnv((request) => {
      const call = calls[request.toolOutputs.length];
      return call ? { kind: 'call', name: `mcp__harness__${call[0]}`, arguments: call[1] } : { kind: 'message', text: 'Both batches succeeded.' };
    });

    const run = await execa(CLAUDE, ['-p', 'ORCHESTRATE two batches', '--output-format', 'stream-json', '--verbose', ...env.options], {
      cwd: env.workdir,
      env: { ...env.env, ...negotiation },
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
      timeout: 100_000,
    });
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(result, run.stderr).toMatchObject({ type: 'result', is_error: false, result: 'Both batches succeeded.' });

    // The revision, as Claude Code reports its connection and as the server saw it on the wire.
    const { connection, log } = await env.connection();
    expect(connection, lateProbe(log)).toMatchObject({ protocolEra: era, negotiatedProtocolVersion: revision });
    const wire = await env.wire();
    expectRevision(wire, era);

    // The model received exactly what the server answered (Claude Code hands it structuredContent as JSON).
    const answered = requestsOf(wire, 'tools/call').map((call) => answerTo(wire, call.id).result);
    expect(requestsOf(wire, 'tools/call').map((call) => call.params.name)).toEqual(calls.map(([name]) => name));
    expect(answered.map((a) => a.isError ?? false)).toEqual([false, false, false]);
    const seen = env.model.requests.at(-1)!.toolOutputs.map((output) => JSON.parse(output));
    expect(seen).toEqual(answered.map((a) => a.structuredContent));
    expect(seen[0]).toMatchObject({ batch_id: 'first', steps_total: 1 });
    for (const summary of seen.slice(1)) expect(summary).toMatchObject({ settled: true, timed_out: false, counts: { succeeded: 1, failed: 0 } });

    // And the batches really ran.
    for (const batchId of ['first', 'second']) {
      const current = JSON.parse(await readFile(join(env.runsDir, batchId, 'j', 'current.json'), 'utf8'));
      expect(current.steps.s.latest.status).toBe('succeeded');
      expect(await readFile(join(jobDir, `${batchId}.txt`), 'utf8')).toBe(`${batchId}\n`);
    }
  });
});
