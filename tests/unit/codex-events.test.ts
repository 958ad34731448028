import { describe, expect, it } from 'vitest';
import { parseCodexLine } from '../../src/agents/codex/codex-events.js';
import { reportFromMessage } from '../../src/agents/final-message.js';

describe('parseCodexLine', () => {
  it('reads the thread id, the current item, usage and failures', () => {
    expect(parseCodexLine('{"type":"thread.started","thread_id":"t-1"}').events).toEqual([{ kind: 'session', threadId: 't-1' }]);
    expect(parseCodexLine('{"type":"item.started","item":{"id":"i","type":"command_execution","command":"npm test"}}').events).toEqual([
      { kind: 'item', currentItem: 'command: npm test' },
    ]);
    expect(parseCodexLine('{"type":"item.started","item":{"id":"i","type":"file_change","changes":[{"path":"src/x.ts","kind":"update"}]}}').events).toEqual([
      { kind: 'item', currentItem: 'editing src/x.ts' },
    ]);
    expect(parseCodexLine('{"type":"item.completed","item":{"id":"i","type":"agent_message","text":"done"}}').events).toEqual([{ kind: 'message', text: 'done' }]);
    expect(parseCodexLine('{"type":"turn.completed","usage":{"input_tokens":5,"cached_input_tokens":2,"output_tokens":3}}').events).toEqual([
      { kind: 'usage', scope: 'thread', usage: { input_tokens: 5, cached_input_tokens: 2, output_tokens: 3 } },
    ]);
    expect(parseCodexLine('{"type":"turn.failed","error":{"message":"no"}}').events).toEqual([{ kind: 'error', message: 'no' }]);
  });

  it('keeps lines it does not understand instead of failing', () => {
    expect(parseCodexLine('Reading additional input from stdin...')).toEqual({ events: [], logged: { type: 'unparsed', raw: 'Reading additional input from stdin...' } });
    expect(parseCodexLine('{"type":"something.new","x":1}')).toEqual({ events: [], logged: { type: 'agent.something.new', event: { type: 'something.new', x: 1 } } });
    expect(parseCodexLine('{"type":"thread.started"}').logged.type).toBe('agent.thread.started'); // malformed: logged, not trusted
    expect(parseCodexLine('{"type":"thread.started"}').events).toEqual([]);
  });
});

describe('reportFromMessage', () => {
  it('takes the whole message as JSON, or a fenced json block in it', () => {
    expect(reportFromMessage('{"status":"success","summary":"s"}')).toEqual({ kind: 'report', source: 'agent', report: { status: 'success', summary: 's' } });
    expect(reportFromMessage('Done.\n```json\n{"status":"failure","summary":"f"}\n```\n')).toMatchObject({ report: { status: 'failure' } });
    expect(reportFromMessage('no json here')).toMatchObject({ kind: 'unreadable', reason: expect.stringContaining('not JSON') });
  });
});
