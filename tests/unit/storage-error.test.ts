import { describe, expect, it } from 'vitest';
import { FileCorruptError, isStorageError } from '../../src/core/index.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: the filesystem said no`), { code });
}

describe('isStorageError', () => {
  it('knows a refusing filesystem by its errno code', () => {
    for (const code of ['ENOSPC', 'EDQUOT', 'EACCES', 'EROFS', 'EIO']) expect(isStorageError(errno(code)), code).toBe(true);
    expect(isStorageError(errno('ENOENT'))).toBe(false);
  });

  it('follows the causes our own errors wrap', () => {
    expect(isStorageError(new FileCorruptError('/runs/b/state.json', 'could not be read', { cause: errno('EIO') }))).toBe(true);
    expect(isStorageError(new FileCorruptError('/runs/b/state.json', 'not JSON', { cause: new SyntaxError('Unexpected end') }))).toBe(false);
  });

  it('never reads the message: text that names a code is not one', () => {
    expect(isStorageError(new Error('ENOSPC: no space left on device'))).toBe(false);
    expect(isStorageError('ENOSPC')).toBe(false);
    expect(isStorageError(undefined)).toBe(false);
  });

  it('ends on an error that is its own cause', () => {
    const loop = Object.assign(new Error('loop'), { code: 'EPERM' });
    (loop as { cause?: unknown }).cause = loop;
    expect(isStorageError(loop)).toBe(false);
  });
});
