import { describe, expect, it } from 'vitest';
import { redisConnectionOf } from '../../src/distributed/index.js';
import { queueNameOf } from '../../src/distributed/queue-names.js';

describe('the --redis address', () => {
  it('reads host, port, user, database and TLS, with the password from the environment only', () => {
    const plain = redisConnectionOf('redis://redis.internal:6380/2', {});
    expect(plain.options).toEqual({ host: 'redis.internal', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(plain.display).toBe('redis://redis.internal:6380/2');
    const tls = redisConnectionOf('rediss://worker@redis.internal', { HARNESS_REDIS_PASSWORD: 's3cret' });
    expect(tls.options).toEqual({ host: 'redis.internal', port: 6379, username: 'worker', password: 's3cret', tls: { servername: 'redis.internal' }, maxRetriesPerRequest: null });
    expect(tls.display).not.toContain('s3cret');
  });

  it.each([
    ['redis://user:pw@127.0.0.1:6379', /must not carry the password.*HARNESS_REDIS_PASSWORD/],
    ['127.0.0.1:6379', /is not supported|is not a URL/],
    ['http://127.0.0.1:6379', /"http:" is not supported/],
    ['not a url', /is not a URL/],
    ['redis://127.0.0.1:6379/zero', /is not a database number/],
  ])('refuses %s with a clear error', (url, message) => {
    expect(() => redisConnectionOf(url, {})).toThrow(message);
    try {
      redisConnectionOf(url, {});
    } catch (error) {
      expect((error as { code: string }).code).toBe('redis_invalid');
    }
  });
});

describe('the queue of a provider pool', () => {
  it('is a name BullMQ takes for any profile, and two profiles never share one', () => {
    expect(queueNameOf({ agent: 'command', profile: 'default' })).toBe('attempts.command.default');
    const withPort = queueNameOf({ agent: 'claude', profile: 'localhost:8080' });
    expect(withPort).not.toContain(':');
    expect(withPort).not.toBe(queueNameOf({ agent: 'claude', profile: 'localhost_8080' }));
  });
});
