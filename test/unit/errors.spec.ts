import { asError, errorCode, errorMessage } from '../../shared/errors';

describe('errorMessage', () => {
  it('is the message of an Error', () => {
    expect(errorMessage(new TypeError('bad input'))).toBe('bad input');
  });

  it('is the value as text for anything else thrown (never undefined)', () => {
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});

describe('asError', () => {
  it('returns an Error itself, name and all', () => {
    const error = new RangeError('out of range');
    expect(asError(error)).toBe(error);
    expect(asError(error).name).toBe('RangeError');
  });

  it('wraps anything else in an Error carrying it as the message', () => {
    const wrapped = asError('thrown text');
    expect(wrapped).toBeInstanceOf(Error);
    expect(wrapped.message).toBe('thrown text');
  });
});

describe('errorCode', () => {
  it('reads the system error code Node sets (a real failed read)', async () => {
    const { readFile } = await import('node:fs/promises');
    const error: unknown = await readFile('/nonexistent/h13/file').catch((e: unknown) => e);
    expect(errorCode(error)).toBe('ENOENT');
  });

  it('is undefined without a string code', () => {
    expect(errorCode(new Error('no code'))).toBeUndefined();
    expect(errorCode({ code: 7 })).toBeUndefined();
    expect(errorCode('text')).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
  });
});
