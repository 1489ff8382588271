import { TtlCache } from '../../lambda/proxy/cache';
import { SecretUnusable, apiKeyFromSecretString } from '../../shared/cname-api-key';

describe('TtlCache', () => {
  it('serves a value until its lifetime ends, then loads again', async () => {
    let clock = 0;
    const cache = new TtlCache<number>(1000, 10, () => clock);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await cache.get('k', load)).toBe(1);
    clock = 999;
    expect(await cache.get('k', load)).toBe(1);
    clock = 1000;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('loads once for many concurrent requests of one key', async () => {
    const cache = new TtlCache<string>(1000);
    let loads = 0;
    const load = () => new Promise<string>((r) => setTimeout(() => r(`v${++loads}`), 10));
    const values = await Promise.all(Array.from({ length: 50 }, () => cache.get('k', load)));
    expect(new Set(values)).toEqual(new Set(['v1']));
    expect(loads).toBe(1);
  });

  it('never caches an error', async () => {
    const cache = new TtlCache<string>(1000);
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', () => Promise.resolve('up'))).toBe('up');
  });

  it('with a lifetime of 0 always loads', async () => {
    const cache = new TtlCache<number>(0);
    let loads = 0;
    await cache.get('k', () => Promise.resolve(++loads));
    await cache.get('k', () => Promise.resolve(++loads));
    expect(loads).toBe(2);
  });

  it('stays within its size bound, evicting the oldest entry', async () => {
    const cache = new TtlCache<string>(60_000, 2);
    let loads = 0;
    const load = (v: string) => () => {
      loads++;
      return Promise.resolve(v);
    };
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('c', load('c'));
    await cache.get('b', load('b'));
    expect(loads).toBe(3);
    await cache.get('a', load('a'));
    expect(loads).toBe(4);
  });
});

describe('apiKeyFromSecretString', () => {
  it('reads a plain key and a JSON {"cname_api_key": …}', () => {
    expect(apiKeyFromSecretString('  abc123  ')).toBe('abc123');
    expect(apiKeyFromSecretString('{"cname_api_key":"k-1"}')).toBe('k-1');
  });

  it.each([
    [undefined, /empty/],
    ['', /empty/],
    ['{"other":"x"}', /cname_api_key/],
    ['{broken', /does not parse/],
    ['has space', /cannot carry/],
    ['line\nbreak', /cannot carry/],
  ])('refuses %j', (value, message) => {
    expect(() => apiKeyFromSecretString(value)).toThrow(SecretUnusable);
    expect(() => apiKeyFromSecretString(value)).toThrow(message);
  });
});
