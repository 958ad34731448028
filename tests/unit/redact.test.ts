import { describe, expect, it } from 'vitest';
import { redactArgv, redactEnv } from '../../src/core/index.js';
import { findSecrets } from '../../src/config/secrets.js';

describe('redaction', () => {
  it('hides secret-looking argv values however they are passed', () => {
    expect(redactArgv(['tool', '--token', 'abc', '--api-key=xyz', 'PASSWORD=hunter2', 'sk-abcdefghijklmnopqrstu', '--verbose', 'plain'])).toEqual([
      'tool', '--token', '[redacted]', '--api-key=[redacted]', 'PASSWORD=[redacted]', '[redacted]', '--verbose', 'plain',
    ]);
  });

  it('hides environment values under secret names and keeps the rest', () => {
    expect(redactEnv({ OPENAI_API_KEY: 'x', GITHUB_TOKEN: 'y', PATH: '/bin', HARNESS_RUN_ID: 'r', SORT_KEY: 'name' })).toEqual({
      OPENAI_API_KEY: '[redacted]', GITHUB_TOKEN: '[redacted]', PATH: '/bin', HARNESS_RUN_ID: 'r', SORT_KEY: 'name',
    });
  });
});

describe('findSecrets', () => {
  it('finds secret names with string values and secret-shaped values anywhere, and passes the rest', () => {
    expect(findSecrets({ a: { password: 'p' }, b: ['-----BEGIN OPENSSH PRIVATE KEY-----'], max_tokens: 100, env_passthrough: ['OPENAI_API_KEY'], auth_mode: 'token' })).toEqual([
      'a.password looks like a secret; pass credentials through the environment, never the harness config',
      'b[0] holds a value that looks like a secret (PEM block or API key)',
    ]);
  });
});
