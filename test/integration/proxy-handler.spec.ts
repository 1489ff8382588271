/**
 * The real proxy handler against real local servers: dynalite (registry), the Secrets Manager
 * stand-in (real JSON protocol) and a recording HTTP upstream on 127.0.0.1. Every case runs through
 * both front doors (API Gateway's proxy event and the ALB's target event, each built by its stand-in),
 * and asserts on what the client receives and what reaches the upstream.
 */
import { randomBytes } from 'node:crypto';
import { opensslPemOf } from '../../stand-ins/openssl';
import { createCertificate, type IssuedCertificate } from '../../stand-ins/pki';
import { ALLOWED_METHODS } from '../../shared/contracts/proxy';
import { DOORS_UNDER_TEST, type DoorClient, type Reply } from '../support/front-doors';
import { API_KEY, SECRET_ID, closedPortUrl, startHarness, type Harness } from '../support/proxy-harness';
import { useTemplateIam } from '../support/iam';

/** Every call the proxy makes is checked against the proxy role's policies in the template. */
useTemplateIam();

let h: Harness;
let selfRegistered: IssuedCertificate;
let selfUnregistered: IssuedCertificate;
let selfRevoked: IssuedCertificate;
let caActive: IssuedCertificate;
let caRevoked: IssuedCertificate;

beforeAll(async () => {
  h = await startHarness();
  selfRegistered = await createCertificate({ subject: 'CN=self registered' });
  selfUnregistered = await createCertificate({ subject: 'CN=self unregistered' });
  selfRevoked = await createCertificate({ subject: 'CN=self revoked' });
  caActive = await createCertificate({ subject: 'CN=ca active', issuer: h.pki.intermediate });
  caRevoked = await createCertificate({ subject: 'CN=ca revoked', issuer: h.pki.intermediate });
  await h.putEntry(selfRegistered.pem, 'self-signed');
  await h.putEntry(selfRevoked.pem, 'self-signed', 'revoked');
  await h.putEntry(caActive.pem, 'ca-signed');
  await h.putEntry(caRevoked.pem, 'ca-signed', 'revoked');
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => {
  h.upstream.received.length = 0;
  h.upstream.respond(undefined);
});

function expectRejected(result: Reply): void {
  expect(result.statusCode).toBe(401);
  expect(result.json().error).toBe('invalid_client');
  expect(result.header('content-type')).toBe('application/json');
  expect(result.header('cache-control')).toBe('no-store');
  expect(h.upstream.received).toHaveLength(0);
}

describe.each(DOORS_UNDER_TEST)('through the $name front door', (door) => {
  let handler: DoorClient;
  beforeAll(() => {
    handler = h.client(door);
  });

  describe('decision table', () => {
    it('CA-signed leaf (intermediate), no entry, policy any: forwarded with SUCCESS and the exact headers', async () => {
      const result = await handler(h.pki.leaf.pem, { sourceIp: '198.51.100.23' });
      expect(result.statusCode).toBe(200);
      expect(h.upstream.received).toHaveLength(1);
      const got = h.upstream.received[0]!;
      expect(got.method).toBe('POST');
      expect(got.url).toBe('/oauth/token');
      expect(got.headers['client-certificate']).toEqual([encodeURIComponent(opensslPemOf(h.pki.leaf.pem))]);
      expect(got.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
      expect(got.headers['cname-api-key']).toEqual([API_KEY]);
      expect(got.headers['x-forwarded-for']).toEqual(['198.51.100.23']);
      expect(got.headers.host).toEqual([new URL(h.upstream.url).host]);
      expect(got.body.toString()).toBe('grant_type=client_credentials&client_id=abc');
    });

    it('CA-signed leaf issued directly by the root: SUCCESS', async () => {
      const result = await handler(h.pki.rootLeaf.pem);
      expect(result.statusCode).toBe(200);
      expect(h.upstream.received[0]!.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    });

    it('CA-signed leaf with an active entry: SUCCESS', async () => {
      expect((await handler(caActive.pem)).statusCode).toBe(200);
      expect(h.upstream.received[0]!.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    });

    it('CA-signed leaf with a revoked entry: 401, not forwarded', async () => {
      expectRejected(await handler(caRevoked.pem));
    });

    it('registered active self-signed certificate: forwarded with FAILED', async () => {
      const result = await handler(selfRegistered.pem);
      expect(result.statusCode).toBe(200);
      const got = h.upstream.received[0]!;
      expect(got.headers['client-certificate-ca-verified']).toEqual(['FAILED']);
      expect(got.headers['client-certificate']).toEqual([
        encodeURIComponent(opensslPemOf(selfRegistered.pem)),
      ]);
    });

    it('unregistered self-signed certificate: 401', async () => {
      expectRejected(await handler(selfUnregistered.pem));
    });

    it('revoked self-signed certificate: 401', async () => {
      expectRejected(await handler(selfRevoked.pem));
    });

    it('a leaf minted with the key of a registered CA:TRUE self-signed certificate: 401', async () => {
      const partner = await createCertificate({ subject: 'CN=partner root, O=Partner', ca: true });
      await h.putEntry(partner.pem, 'self-signed');
      const minted = await createCertificate({ subject: 'CN=Harness client, O=Harness', issuer: partner });
      expectRejected(await handler(minted.pem));
    });

    it('a leaf from an unknown CA: 401', async () => {
      const other = await createCertificate({ subject: 'CN=Other CA', ca: true });
      expectRejected(await handler((await createCertificate({ subject: 'CN=x', issuer: other })).pem));
    });

    it('no client certificate: 401', async () => {
      expectRejected(await handler(undefined));
    });

    it('a certificate that does not parse: 401', async () => {
      expectRejected(await handler('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'));
    });

    it('expired and not-yet-valid certificates: 401', async () => {
      const now = Date.now();
      const expired = await createCertificate({
        subject: 'CN=expired',
        issuer: h.pki.intermediate,
        notBefore: new Date(now - 10 * 86400e3),
        notAfter: new Date(now - 60e3),
      });
      const future = await createCertificate({
        subject: 'CN=future',
        issuer: h.pki.intermediate,
        notBefore: new Date(now + 3600e3),
      });
      expectRejected(await handler(expired.pem));
      expectRejected(await handler(future.pem));
    });

    it('a certificate whose encoded header would exceed 4096 bytes: 401', async () => {
      const big = await createCertificate({
        subject: 'CN=big',
        issuer: h.pki.intermediate,
        dnsNames: Array.from({ length: 70 }, (_, i) => `host-${i}.a-rather-long-subdomain.example.com`),
      });
      expectRejected(await handler(big.pem));
    });

    describe('CA_SIGNED_POLICY=registered', () => {
      let registered: DoorClient;
      beforeAll(() => {
        registered = h.client(door, { CA_SIGNED_POLICY: 'registered' });
      });

      it('a CA-signed leaf without an entry: 401', async () => {
        expectRejected(await registered(h.pki.leaf.pem));
      });

      it('a CA-signed leaf with an active entry: SUCCESS', async () => {
        expect((await registered(caActive.pem)).statusCode).toBe(200);
        expect(h.upstream.received[0]!.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
      });
    });
  });

  describe('edge responses', () => {
    it('a path outside ALLOWED_PATHS is 404 without touching the registry, the secret or the upstream', async () => {
      const fresh = h.client(door);
      const reads = h.getItemCalls();
      const secretReads = h.secrets.reads();
      const result = await fresh(h.pki.leaf.pem, { path: '/authorize', method: 'GET' });
      expect(result.statusCode).toBe(404);
      expect(result.json().error).toBe('not_found');
      expect(h.getItemCalls()).toBe(reads);
      expect(h.secrets.reads()).toBe(secretReads);
      expect(h.upstream.received).toHaveLength(0);
    });

    it.each([
      ['/oauth/token', 'TRACE', 'POST'],
      ['/oauth/token', 'GET', 'POST'],
      ['/oauth/par', 'PROPFIND', 'POST'],
      ['/oauth/par', 'DELETE', 'POST'],
      ['/userinfo', 'PUT', 'GET, POST'],
      ['/userinfo', 'OPTIONS', 'GET, POST'],
    ])(
      '%s with %s: 405 with Allow: %s, without touching the registry, the secret or the upstream',
      async (path, method, allow) => {
        const fresh = h.client(door);
        const reads = h.getItemCalls();
        const secretReads = h.secrets.reads();
        const result = await fresh(h.pki.leaf.pem, { path, method });
        expect(result.statusCode).toBe(405);
        expect(result.header('allow')).toBe(allow);
        expect(result.header('content-type')).toBe('application/json');
        expect(result.json().error).toBe('method_not_allowed');
        expect(h.getItemCalls()).toBe(reads);
        expect(h.secrets.reads()).toBe(secretReads);
        expect(h.upstream.received).toHaveLength(0);
      },
    );

    it.each(Object.entries(ALLOWED_METHODS).flatMap(([path, methods]) => methods.map((m) => [path, m])))(
      '%s with %s (the methods the stack routes) is forwarded',
      async (path, method) => {
        const result = await handler(h.pki.leaf.pem, { path, method });
        expect(result.statusCode).toBe(200);
        expect(h.upstream.received.map((r) => r.method)).toEqual([method]);
      },
    );

    it('registry unreachable: 503 with retry-after, nothing forwarded', async () => {
      const down = h.client(door, {
        AWS_ENDPOINT_URL_DYNAMODB: await closedPortUrl(),
        DEPENDENCY_TIMEOUT_MS: '500',
      });
      const result = await down(h.pki.leaf.pem);
      expect(result.statusCode).toBe(503);
      expect(result.json().error).toBe('temporarily_unavailable');
      expect(result.header('retry-after')).toMatch(/^\d+$/);
      expect(h.upstream.received).toHaveLength(0);
    });

    it('registry answering an error (missing table): 503, nothing forwarded', async () => {
      const broken = h.client(door, { REGISTRY_TABLE_NAME: 'no-such-table' });
      expect((await broken(selfRegistered.pem)).statusCode).toBe(503);
      expect(h.upstream.received).toHaveLength(0);
    });

    it('registry hanging: 503 after the dependency deadline, nothing forwarded', async () => {
      const hung = h.client(door, {
        AWS_ENDPOINT_URL_DYNAMODB: await h.hangingEndpoint(),
        DEPENDENCY_TIMEOUT_MS: '300',
      });
      expect((await hung(h.pki.leaf.pem)).statusCode).toBe(503);
      expect(h.upstream.received).toHaveLength(0);
    });

    it.each(['error', 'hang'] as const)('secret store failing (%s): 503, nothing forwarded', async (mode) => {
      const fresh = h.client(door, { DEPENDENCY_TIMEOUT_MS: '300' });
      h.secrets.fail(mode);
      try {
        const result = await fresh(h.pki.leaf.pem);
        expect(result.statusCode).toBe(503);
        expect(result.json().error).toBe('temporarily_unavailable');
      } finally {
        h.secrets.fail('none');
      }
      expect(h.upstream.received).toHaveLength(0);
    });

    it.each(['registry', 'secret'] as const)(
      '%s failing: the 503 is logged at WARN (the edge default) naming the dependency and how long it took',
      async (dependency) => {
        const lines: string[] = [];
        const failing = h.client(
          door,
          {
            POWERTOOLS_LOG_LEVEL: 'WARN',
            ...(dependency === 'registry' ? { AWS_ENDPOINT_URL_DYNAMODB: await closedPortUrl() } : {}),
          },
          { write: (line) => lines.push(line) },
        );
        if (dependency === 'secret') h.secrets.fail('error');
        try {
          expect((await failing(h.pki.leaf.pem)).statusCode).toBe(503);
        } finally {
          h.secrets.fail('none');
        }
        expect(lines).toHaveLength(1);
        const record = JSON.parse(lines[0]!) as Record<string, unknown>;
        expect(record).toMatchObject({ level: 'WARN', outcome: 'unavailable', status: 503, dependency });
        // The time the edge waited for it, within the request's latency (no clock assertion beyond that).
        expect(typeof record.dependencyMs).toBe('number');
        expect(record.dependencyMs).toBeGreaterThanOrEqual(0);
        expect(record.dependencyMs).toBeLessThanOrEqual(record.latencyMs as number);
        expect(String(record.reason)).toMatch(new RegExp(`^${dependency}: `));
      },
    );

    it('an empty secret (created by the stack, not yet filled): 503, nothing forwarded', async () => {
      const fresh = h.client(door, { CNAME_API_KEY_SECRET_ID: 'empty-secret' });
      h.secrets.setSecret('empty-secret', '');
      expect((await fresh(h.pki.leaf.pem)).statusCode).toBe(503);
      expect(h.upstream.received).toHaveLength(0);
    });

    it('a JSON secret {"cname_api_key": …} is read', async () => {
      h.secrets.setSecret('json-secret', JSON.stringify({ cname_api_key: 'json-key' }));
      const fresh = h.client(door, { CNAME_API_KEY_SECRET_ID: 'json-secret' });
      expect((await fresh(h.pki.leaf.pem)).statusCode).toBe(200);
      expect(h.upstream.received[0]!.headers['cname-api-key']).toEqual(['json-key']);
    });

    it('upstream unreachable: 502', async () => {
      const fresh = h.client(door, { FORWARDING_TARGET: await closedPortUrl() });
      const result = await fresh(h.pki.leaf.pem);
      expect(result.statusCode).toBe(502);
      expect(result.json().error).toBe('bad_gateway');
    });

    it('upstream slower than UPSTREAM_TIMEOUT_MS: 504', async () => {
      const fresh = h.client(door, { UPSTREAM_TIMEOUT_MS: '300' });
      h.upstream.respond(() => undefined); // never answers
      const result = await fresh(h.pki.leaf.pem);
      expect(result.statusCode).toBe(504);
      expect(result.json().error).toBe('gateway_timeout');
    });

    it('upstream answering a broken response: 502', async () => {
      h.upstream.respond((_req, res) => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('short');
        res.socket?.destroy();
      });
      const result = await handler(h.pki.leaf.pem);
      expect(result.statusCode).toBe(502);
    });

    it('upstream 5xx is relayed as is', async () => {
      h.upstream.respond((_req, res) => {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' });
        res.end('{"error":"temporarily_unavailable","from":"auth0"}');
      });
      const result = await handler(h.pki.leaf.pem);
      expect(result.statusCode).toBe(503);
      expect(result.body.toString()).toBe('{"error":"temporarily_unavailable","from":"auth0"}');
      expect(result.values('retry-after')).toEqual(['30']);
    });

    it.each([
      ['httpMethod', 42],
      ['requestContext', null],
      ['multiValueHeaders', { a: 'not-an-array' }],
      ['body', { nested: true }],
    ])('a malformed event field (%s) is answered 400 JSON', async (field, value) => {
      const event = { ...(door.event(h.pki.leaf.pem) as object), [field]: value };
      const result = await handler.event(event);
      expect(result.statusCode).toBe(400);
      expect(result.json().error).toBe('invalid_request');
      expect(h.upstream.received).toHaveLength(0);
    });
  });

  describe('the forwarded request', () => {
    it('spoofed owned headers in any case and number never reach the upstream', async () => {
      await handler(selfRegistered.pem, {
        headers: [
          ['Client-Certificate', 'forged'],
          ['client-certificate', 'forged-2'],
          ['CLIENT-CERTIFICATE-CA-VERIFIED', 'SUCCESS'],
          ['Cname-Api-Key', 'attacker-key'],
          ['X-Forwarded-For', '1.1.1.1'],
          ['x-forwarded-for', '2.2.2.2, 3.3.3.3'],
          ['True-Client-IP', '4.4.4.4'],
          ['Forwarded', 'for=5.5.5.5'],
          ['X-Real-IP', '6.6.6.6'],
          ['X-Amzn-Mtls-Clientcert-Leaf', 'forged'],
          ['x-amzn-mtls-clientcert-subject', 'CN=someone else'],
          ['Authorization', 'Basic Y2xpZW50OnNlY3JldA=='],
          ['DPoP', 'eyJhbGciOi.proof'],
          ['content-type', 'application/x-www-form-urlencoded'],
        ],
        sourceIp: '203.0.113.99',
      });
      const got = h.upstream.received[0]!;
      expect(got.headers['client-certificate']).toEqual([
        encodeURIComponent(opensslPemOf(selfRegistered.pem)),
      ]);
      expect(got.headers['client-certificate-ca-verified']).toEqual(['FAILED']);
      expect(got.headers['cname-api-key']).toEqual([API_KEY]);
      expect(got.headers['x-forwarded-for']).toEqual(['203.0.113.99']);
      for (const name of ['true-client-ip', 'forwarded', 'x-real-ip'])
        expect(got.headers[name]).toBeUndefined();
      expect(Object.keys(got.headers).filter((name) => name.startsWith('x-amzn-mtls-'))).toEqual([]);
      expect(got.headers.authorization).toEqual(['Basic Y2xpZW50OnNlY3JldA==']);
      expect(got.headers.dpop).toEqual(['eyJhbGciOi.proof']);
    });

    it('underscore spellings of owned headers never reach the upstream (some servers map _ to -)', async () => {
      await handler(selfRegistered.pem, {
        headers: [
          ['client_certificate_ca_verified', 'SUCCESS'],
          ['cname_api_key', 'attacker-key'],
          ['client_certificate', 'forged'],
          ['true_client_ip', '4.4.4.4'],
          ['X_Forwarded_For', '1.1.1.1'],
          ['x_amzn_mtls_clientcert_subject', 'CN=someone else'],
          ['content-type', 'application/x-www-form-urlencoded'],
        ],
        sourceIp: '203.0.113.99',
      });
      const got = h.upstream.received[0]!;
      const names = got.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      expect(names.filter((n) => n.includes('_'))).toEqual([]);
      expect(got.headers['client-certificate-ca-verified']).toEqual(['FAILED']);
      expect(got.headers['x-forwarded-for']).toEqual(['203.0.113.99']);
      for (const forged of ['SUCCESS', 'attacker-key', 'forged', '4.4.4.4', '1.1.1.1', 'CN=someone else'])
        expect(got.rawHeaders).not.toContain(forged);
    });

    it('CLIENT_IP_HEADER=true-client-ip carries exactly the source IP and x-forwarded-for is dropped', async () => {
      const fresh = h.client(door, { CLIENT_IP_HEADER: 'true-client-ip' });
      await fresh(h.pki.leaf.pem, { headers: [['X-Forwarded-For', '9.9.9.9']], sourceIp: '2001:db8::7' });
      const got = h.upstream.received[0]!;
      expect(got.headers['true-client-ip']).toEqual(['2001:db8::7']);
      expect(got.headers['x-forwarded-for']).toBeUndefined();
    });

    it('binary bodies are byte-exact both ways', async () => {
      const requestBytes = randomBytes(65536);
      const responseBytes = randomBytes(100_000);
      h.upstream.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(responseBytes);
      });
      const result = await handler(h.pki.leaf.pem, {
        body: requestBytes,
        headers: [['content-type', 'application/octet-stream']],
      });
      expect(h.upstream.received[0]!.body.equals(requestBytes)).toBe(true);
      expect(h.upstream.received[0]!.headers['content-length']).toEqual(['65536']);
      expect(result.body.equals(responseBytes)).toBe(true);
    });

    it('multi-value query parameters and repeated cookies arrive with every value', async () => {
      await handler(h.pki.leaf.pem, {
        method: 'GET',
        path: '/userinfo',
        body: '',
        query: [
          ['scope', 'openid profile'],
          ['a', '1'],
          ['a', '2&3'],
        ],
        headers: [
          ['Cookie', 'a=1'],
          ['Cookie', 'b=2'],
        ],
      });
      const got = h.upstream.received[0]!;
      expect(got.method).toBe('GET');
      const url = new URL(got.url, 'http://x');
      expect(url.pathname).toBe('/userinfo');
      expect(url.searchParams.getAll('a')).toEqual(['1', '2&3']);
      expect(url.searchParams.get('scope')).toBe('openid profile');
      expect(got.headers.cookie?.join('; ')).toBe('a=1; b=2');
      expect(got.headers['content-length']).toBeUndefined();
      expect(got.body.length).toBe(0);
    });

    it('header names that are Object.prototype members go both ways like any other header', async () => {
      const names = Object.getOwnPropertyNames(Object.prototype);
      h.upstream.respond((_req, res) => {
        res.writeHead(
          200,
          names.flatMap((name) => [name, `from upstream ${name}`]),
        );
        res.end('{}');
      });
      const result = await handler(h.pki.leaf.pem, {
        headers: names.map((name) => [name, `from client ${name}`]),
      });
      expect(result.statusCode).toBe(200);
      const raw = h.upstream.received[0]!.rawHeaders;
      // The ALB hands header names over in lower case; API Gateway as sent.
      const at = (name: string) =>
        raw.flatMap((n, i) => (i % 2 === 0 && n.toLowerCase() === name.toLowerCase() ? [i] : []));
      for (const name of names) {
        expect(at(name)).toHaveLength(1);
        expect(raw[at(name)[0]! + 1]).toBe(`from client ${name}`);
        expect(result.values(name)).toEqual([`from upstream ${name}`]);
      }
    });

    it('repeated response headers (set-cookie) come back with every value', async () => {
      h.upstream.respond((_req, res) => {
        res.setHeader('set-cookie', ['a=1; Secure; HttpOnly', 'b=2; Secure']);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
      const result = await handler(h.pki.leaf.pem);
      expect(result.values('set-cookie')).toEqual(['a=1; Secure; HttpOnly', 'b=2; Secure']);
    });
  });

  describe('caching', () => {
    it('N requests with one certificate read the registry once per TTL (found and not-found alike)', async () => {
      const fresh = h.client(door, { REGISTRY_CACHE_TTL_SECONDS: '60' });
      const before = h.getItemCalls();
      for (let i = 0; i < 10; i++) expect((await fresh(selfRegistered.pem)).statusCode).toBe(200);
      for (let i = 0; i < 10; i++) expect((await fresh(h.pki.leaf.pem)).statusCode).toBe(200);
      expect(h.getItemCalls() - before).toBe(2);
      h.clock.advance(60_000);
      await fresh(selfRegistered.pem);
      expect(h.getItemCalls() - before).toBe(3);
    });

    it('the secret is read once per container, and again after Auth0 says the API key is invalid', async () => {
      h.secrets.setSecret('rotating', 'old-key');
      const fresh = h.client(door, { CNAME_API_KEY_SECRET_ID: 'rotating' });
      const before = h.secrets.reads();
      for (let i = 0; i < 5; i++) await fresh(h.pki.leaf.pem);
      expect(h.secrets.reads() - before).toBe(1);

      h.secrets.setSecret('rotating', 'new-key');
      h.upstream.respond((req, res) => {
        const ok = req.headers['cname-api-key']?.[0] === 'new-key';
        res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' });
        res.end(ok ? 'ok' : 'Invalid API key');
      });
      expect((await fresh(h.pki.leaf.pem)).statusCode).toBe(403);
      expect((await fresh(h.pki.leaf.pem)).statusCode).toBe(200);
      expect(h.secrets.reads() - before).toBe(2);
      h.secrets.setSecret(SECRET_ID, API_KEY);
    });

    it('a revocation reaches the handler once the registry cache TTL has passed', async () => {
      const victim = await createCertificate({ subject: 'CN=soon revoked' });
      await h.putEntry(victim.pem, 'self-signed');
      const fresh = h.client(door, { REGISTRY_CACHE_TTL_SECONDS: '60' });
      expect((await fresh(victim.pem)).statusCode).toBe(200);
      await h.putEntry(victim.pem, 'self-signed', 'revoked');
      // Within the lifetime the cached answer stands; past it, the revocation is read.
      expect((await fresh(victim.pem)).statusCode).toBe(200);
      h.clock.advance(60_000);
      expect((await fresh(victim.pem)).statusCode).toBe(401);
    });
  });

  describe('concurrency', () => {
    it('200 concurrent requests over 10 certificates: no request ever carries another request’s certificate', async () => {
      const certs = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? createCertificate({ subject: `CN=concurrent ${i}`, issuer: h.pki.intermediate })
            : createCertificate({ subject: `CN=concurrent self ${i}` }),
        ),
      );
      for (const [i, c] of certs.entries()) if (i % 2 === 1) await h.putEntry(c.pem, 'self-signed');
      const fresh = h.client(door);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          fresh(certs[n % 10]!.pem, { headers: [['x-request-no', String(n)]] }),
        ),
      );
      expect(results.map((r) => r.statusCode).filter((s) => s !== 200)).toEqual([]);
      expect(h.upstream.received).toHaveLength(200);
      // Each request's own certificate (the test PKI writes OpenSSL's PEM byte for byte; the first case
      // of the decision table checks the header against `openssl x509` itself).
      const expected = certs.map((c) => encodeURIComponent(c.pem));
      for (const got of h.upstream.received) {
        const n = Number(got.headers['x-request-no']![0]);
        expect(got.headers['client-certificate']).toEqual([expected[n % 10]]);
        expect(got.headers['client-certificate-ca-verified']).toEqual([n % 2 === 0 ? 'SUCCESS' : 'FAILED']);
      }
      // Each response went back to its own request.
      results.forEach((r, n) => {
        const echoed = r.json<{ headers: Record<string, string[]> }>();
        expect(echoed.headers['x-request-no']).toEqual([String(n)]);
      });
    });
  });

  describe('observability', () => {
    it('one JSON log line per request with the decision, never the API key, the PEM or the body', async () => {
      const lines: string[] = [];
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
      try {
        const loud = h.client(door, { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' });
        await loud(selfRegistered.pem, { body: 'client_secret=do-not-log-me' });
        await loud(selfUnregistered.pem);
      } finally {
        spy.mockRestore();
      }
      const output = lines.join('');
      const records = output
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const requests = records.filter((r) => r.message === 'request');
      expect(requests).toHaveLength(2);
      expect(requests[0]).toMatchObject({
        path: '/oauth/token',
        outcome: 'forwarded',
        caVerified: 'FAILED',
        upstreamStatus: 200,
        status: 200,
      });
      expect(requests[0]!.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(typeof requests[0]!.latencyMs).toBe('number');
      expect(typeof requests[0]!.requestId).toBe('string');
      expect(requests[1]).toMatchObject({
        outcome: 'rejected',
        reason: 'self-signed-not-registered',
        status: 401,
      });
      // EMF metrics by outcome.
      const emf = records.filter((r) => r._aws !== undefined);
      expect(emf.map((r) => r.Outcome)).toEqual(['forwarded', 'rejected']);
      expect(output).not.toContain(API_KEY);
      expect(output).not.toContain('do-not-log-me');
      expect(output).not.toContain('BEGIN CERTIFICATE');
    });
  });
});
