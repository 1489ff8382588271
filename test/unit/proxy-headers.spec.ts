import fc from 'fast-check';
import {
  filterClientHeaders,
  HOP_BY_HOP,
  responseHeaders,
  upstreamHeaders,
} from '../../lambda/proxy/headers';

const OWNED = [
  'cname-api-key',
  'client-certificate',
  'client-certificate-ca-verified',
  'x-forwarded-for',
  'true-client-ip',
  'cf-connecting-ip',
  'x-azure-clientip',
  'x-real-ip',
  'forwarded',
  'host',
  'content-length',
  // Hop-by-hop: the list the filter uses, so a generated "other" name is never one of them.
  ...HOP_BY_HOP,
];

const own = {
  host: 'acme-cd-x.edge.tenants.eu.auth0.com',
  apiKey: 'the-key',
  clientCertificate: '-----BEGIN%20CERTIFICATE-----%0A',
  caVerified: 'SUCCESS' as const,
  clientIpHeader: 'x-forwarded-for',
  clientIp: '203.0.113.7',
  contentLength: 12,
};

/** A name in random letter case. */
const anyCase = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((flags) => [...name].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));

/** A name in random letter case, each `-` possibly spelled `_` (some servers map `_` to `-`). */
const anySpelling = (name: string) =>
  anyCase(name).chain((cased) =>
    fc
      .array(fc.boolean(), { minLength: cased.length, maxLength: cased.length })
      .map((flags) => [...cased].map((c, i) => (c === '-' && flags[i] ? '_' : c)).join('')),
  );

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);

/** `constructor`, `__proto__`, `toString`, `hasOwnProperty`, …: names a plain object already "has". */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
/** Any header name a client or an upstream may send, the prototype's members included, in any case. */
const anyName = fc.oneof(token, fc.constantFrom(...PROTOTYPE_NAMES).chain(anyCase));

describe('filterClientHeaders (property)', () => {
  it('no case or multiplicity of an owned header survives, and every other header passes unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...OWNED).chain(anyCase), value), { maxLength: 12 }),
        fc.array(
          fc.tuple(
            token.filter((t) => !OWNED.includes(t)),
            value,
          ),
          { maxLength: 12 },
        ),
        (owned, others) => {
          const mixed = [...owned, ...others].sort(() => 0); // keep order: owned first, then others
          const kept = filterClientHeaders(mixed);
          const named = new Set(
            owned
              .filter(([n]) => n.toLowerCase() === 'connection')
              .flatMap(([, v]) => v.split(',').map((t) => t.trim().toLowerCase())),
          );
          expect(kept.some(([n]) => OWNED.includes(n.toLowerCase()))).toBe(false);
          expect(kept).toEqual(others.filter(([n]) => !named.has(n)));
        },
      ),
    );
  });

  it('no underscore spelling of an owned or hop-by-hop header survives (client_certificate_ca_verified, …)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...OWNED).chain(anySpelling), value), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.array(
          fc.tuple(
            token.filter((t) => !OWNED.includes(t)),
            value,
          ),
          { maxLength: 6 },
        ),
        (owned, others) => {
          const kept = filterClientHeaders([...owned, ...others]);
          const named = new Set(
            owned
              .filter(([n]) => n.toLowerCase().replace(/_/g, '-') === 'connection')
              .flatMap(([, v]) => v.split(',').map((t) => t.trim().toLowerCase())),
          );
          expect(kept).toEqual(others.filter(([n]) => !named.has(n)));
        },
      ),
    );
  });

  it.each([
    'client_certificate_ca_verified',
    'cname_api_key',
    'client_certificate',
    'true_client_ip',
    'X_Forwarded_For',
    'client-certificate_ca-verified',
  ])('drops %s', (name) => {
    expect(filterClientHeaders([[name, 'SUCCESS']])).toEqual([]);
  });

  it('drops the headers a Connection header names', () => {
    const kept = filterClientHeaders([
      ['Connection', 'X-Secret-Hop, keep-alive'],
      ['x-secret-hop', '1'],
      ['authorization', 'Bearer t'],
    ]);
    expect(kept).toEqual([['authorization', 'Bearer t']]);
  });
});

/** The raw header list as lower-case name → value (one) or values (repeated), to assert on. */
function headerMap(raw: readonly string[]): Record<string, string | string[]> {
  const map: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const existing = map[name];
    map[name] = existing === undefined ? raw[i + 1]! : [...[existing].flat(), raw[i + 1]!];
  }
  return map;
}

describe('upstreamHeaders', () => {
  it('every client header passes or is stripped by the rules, whatever its name (Object.prototype members included)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyName, value), { maxLength: 16 }), (sent) => {
        const raw = upstreamHeaders(sent, own);
        const passed = sent.filter(([name]) => !OWNED.includes(name.toLowerCase()));
        // The client's headers come first, exactly as sent (name, value, order, every copy); ours follow.
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
        expect(pairs.slice(0, passed.length)).toEqual(passed);
        expect(pairs.slice(passed.length).map(([n]) => n)).toEqual([
          'host',
          'cname-api-key',
          'client-certificate',
          'client-certificate-ca-verified',
          'x-forwarded-for',
          'content-length',
        ]);
      }),
    );
  });

  it('sets each of our headers exactly once whatever the client sent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...OWNED).chain(anyCase), value), { maxLength: 20 }),
        (spoofed) => {
          const raw = upstreamHeaders([...spoofed, ['DPoP', 'proof'], ['Authorization', 'Basic x']], own);
          const headers = headerMap(raw);
          expect(headers['cname-api-key']).toBe('the-key');
          expect(headers['client-certificate']).toBe(own.clientCertificate);
          expect(headers['client-certificate-ca-verified']).toBe('SUCCESS');
          expect(headers['x-forwarded-for']).toBe('203.0.113.7');
          expect(headers.host).toBe(own.host);
          expect(headers['content-length']).toBe('12');
          expect(headers.dpop).toBe('proof');
          expect(headers.authorization).toBe('Basic x');
          for (const name of [
            'true-client-ip',
            'x-real-ip',
            'forwarded',
            'transfer-encoding',
            'connection',
          ]) {
            expect(headers[name]).toBeUndefined();
          }
          // Ours exactly once, in whatever case the client spelled its copies.
          const names = raw.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
          for (const name of [
            'host',
            'cname-api-key',
            'client-certificate',
            'client-certificate-ca-verified',
          ]) {
            expect(names.filter((n) => n === name)).toHaveLength(1);
          }
        },
      ),
    );
  });

  it('keeps repeated client headers as repeated values', () => {
    const headers = headerMap(
      upstreamHeaders(
        [
          ['Cookie', 'a=1'],
          ['cookie', 'b=2'],
          ['accept', 'application/json'],
        ],
        own,
      ),
    );
    expect(headers.cookie).toEqual(['a=1', 'b=2']);
    expect(headers.accept).toBe('application/json');
  });

  it('uses the configured client IP header and leaves x-forwarded-for out', () => {
    const headers = headerMap(
      upstreamHeaders([['X-Forwarded-For', '1.2.3.4']], { ...own, clientIpHeader: 'true-client-ip' }),
    );
    expect(headers['true-client-ip']).toBe('203.0.113.7');
    expect(headers['x-forwarded-for']).toBeUndefined();
  });

  it('refuses header values an HTTP request cannot carry', () => {
    expect(() => upstreamHeaders([['x-evil', 'a\r\nInjected: 1']], own)).toThrow();
  });
});

describe('responseHeaders', () => {
  it('relays every value of every header, whatever its name (Object.prototype members included)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            anyName.filter((n) => !HOP_BY_HOP.includes(n.toLowerCase())),
            value,
          ),
          { maxLength: 16 },
        ),
        (sent) => {
          const relayed = responseHeaders(sent.flat());
          const expected = new Map<string, string[]>();
          for (const [name, v] of sent) {
            const lower = name.toLowerCase();
            expected.set(lower, [...(expected.get(lower) ?? []), v]);
          }
          expect(Object.keys(relayed).sort()).toEqual([...expected.keys()].sort());
          for (const [name, values] of expected) {
            expect(Object.hasOwn(relayed, name)).toBe(true);
            expect(relayed[name]).toEqual(values);
          }
        },
      ),
    );
  });

  it('keeps every value of repeated headers and drops hop-by-hop ones', () => {
    expect(
      responseHeaders([
        'Set-Cookie',
        'a=1; Secure',
        'set-cookie',
        'b=2; Secure',
        'Connection',
        'keep-alive, X-Hop',
        'X-Hop',
        'v',
        'Transfer-Encoding',
        'chunked',
        'Content-Type',
        'application/json',
      ]),
    ).toEqual({ 'set-cookie': ['a=1; Secure', 'b=2; Secure'], 'content-type': ['application/json'] });
  });
});
