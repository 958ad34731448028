import { describe, expect, it } from 'vitest';
import { startAnthropicServer } from '../../tools/model-servers/anthropic-server.js';
import { startGeminiServer } from '../../tools/model-servers/gemini-server.js';
import { startResponsesServer } from '../../tools/model-servers/responses-server.js';
import { firstThen, type Turn } from '../../tools/model-servers/script.js';
import { eventually, whenDone } from './servers/harness-server.js';

const OK: Turn = { kind: 'message', text: 'ok' };
const resetsAt = Math.floor(Date.now() / 1000) + 3600;

async function post(url: string, body: unknown): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

describe('the scripted model servers answer limits as the real APIs do', () => {
  it('Responses: 429 with Retry-After, usage_limit_reached with resets_at, 503 server_is_overloaded; then it serves again', async () => {
    const server = await startResponsesServer(firstThen([{ kind: 'rate_limit', retryAfterSeconds: 7 }, { kind: 'usage_limit', resetsAt }, { kind: 'overloaded' }], () => OK));
    whenDone(() => server.close());
    const url = `${server.baseUrl}/responses`;
    const rate = await post(url, { input: [] });
    expect(rate.status).toBe(429);
    expect(rate.headers.get('retry-after')).toBe('7');
    expect(rate.body.error).toMatchObject({ code: 'rate_limit_exceeded' });
    const usage = await post(url, { input: [] });
    expect(usage.status).toBe(429);
    expect(usage.body.error).toMatchObject({ type: 'usage_limit_reached', resets_at: resetsAt, plan_type: 'plus' });
    expect(usage.headers.get('x-codex-primary-used-percent')).toBe('100');
    const overloaded = await post(url, { input: [] });
    expect(overloaded.status).toBe(503);
    expect(overloaded.body.error).toMatchObject({ code: 'server_is_overloaded' });
    expect((await post(url, { input: [] })).status).toBe(200);
  });

  it('Anthropic: 429 rate_limit_error with Retry-After, a spent window in the unified headers, 529 overloaded_error', async () => {
    const server = await startAnthropicServer(firstThen([{ kind: 'rate_limit', retryAfterSeconds: 5 }, { kind: 'usage_limit', resetsAt, window: 'seven_day' }, { kind: 'overloaded' }], () => OK));
    whenDone(() => server.close());
    const url = `${server.baseUrl}/v1/messages`;
    const rate = await post(url, { messages: [] });
    expect(rate.status).toBe(429);
    expect(rate.headers.get('retry-after')).toBe('5');
    expect(rate.body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const usage = await post(url, { messages: [] });
    expect(usage.status).toBe(429);
    expect(usage.headers.get('anthropic-ratelimit-unified-status')).toBe('rejected');
    expect(usage.headers.get('anthropic-ratelimit-unified-reset')).toBe(String(resetsAt));
    expect(usage.headers.get('anthropic-ratelimit-unified-representative-claim')).toBe('seven_day');
    expect(usage.headers.get('anthropic-ratelimit-unified-7d-status')).toBe('rejected');
    const overloaded = await post(url, { messages: [] });
    expect(overloaded.status).toBe(529);
    expect(overloaded.body.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
  });

  it('Gemini: RESOURCE_EXHAUSTED with a per-minute or per-day QuotaFailure and RetryInfo, 503 UNAVAILABLE', async () => {
    const server = await startGeminiServer(firstThen([{ kind: 'rate_limit', retryAfterSeconds: 4 }, { kind: 'usage_limit', resetsAt }, { kind: 'overloaded' }], () => OK));
    whenDone(() => server.close());
    const url = `${server.baseUrl}/v1beta/models/gemini-2.5-flash:generateContent`;
    const rate = await post(url, { contents: [] });
    expect(rate.status).toBe(429);
    expect(rate.body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(rate.body.error.message).toContain('Please retry in 4s.');
    expect(rate.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [expect.objectContaining({ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' })] }),
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '4s' },
      ]),
    );
    const usage = await post(url, { contents: [] });
    expect(usage.body.error.details[0].violations[0].quotaId).toBe('GenerateRequestsPerDayPerProjectPerModel-FreeTier');
    const delay = Number(/^(\d+)s$/.exec(usage.body.error.details[2].retryDelay)![1]);
    expect(Math.abs(Date.now() / 1000 + delay - resetsAt)).toBeLessThanOrEqual(2);
    const overloaded = await post(url, { contents: [] });
    expect(overloaded.status).toBe(503);
    expect(overloaded.body.error).toMatchObject({ code: 503, status: 'UNAVAILABLE' });
  });

  it('Responses with maxConcurrent answers at most that many at once, refusing the rest with 429 and Retry-After, and counts them', async () => {
    const server = await startResponsesServer(() => ({ kind: 'hang' }), { maxConcurrent: { requests: 2, retryAfterSeconds: 2 } });
    whenDone(() => server.close());
    const url = `${server.baseUrl}/responses`;
    const held = [post(url, { input: [] }).catch(() => undefined), post(url, { input: [] }).catch(() => undefined)];
    await eventually(async () => (server.requests.length === 2 ? true : undefined), 'two requests being answered');
    const refused = await post(url, { input: [] });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(server).toMatchObject({ refused: 1, maxInFlight: 2 });
    expect(server.requests).toHaveLength(2);
    await server.close();
    await Promise.all(held);
  });
});
