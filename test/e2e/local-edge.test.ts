/**
 * The local edge end to end: real mTLS handshakes (Node's https and curl) against `startLocalEdge`, the
 * proxy Lambda's real handler, the embedded registry (dynalite), the secret store stand-in and the echo
 * upstream, whose received requests are what we assert on. One edge for the whole file: the handler
 * reads its configuration once per process (registry cache TTL 1 s here, for the revocation test). Its
 * truststore follows the registry when a test says so (`refreshTruststore()`), so no test depends on a
 * refresh happening, or not yet, while it looks; `npm start`'s periodic refresh is proven by the smoke test.
 */
import { createCertificate, createTestPki, type IssuedCertificate, type TestPki } from '../../stand-ins/pki';
import { redactingEcho, startLocalEdge, type LocalEdge } from '../../local/edge/edge';
import { readFileSync } from 'node:fs';
import { inspectCertificate } from '../../shared/certificate';
import { curl, eventually, httpsRequest, json, type ClientRequest } from './clients';
import { demoStateDir, edgeCerts, opensslPem, tempDir, type TempDir } from './edge-harness';
import { useTemplateIam } from '../support/iam';

/** Every call the proxy and the CLI make is checked against their policies in the template. */
useTemplateIam();

const DAY = 24 * 3600_000;
const HANDSHAKE_REFUSED = /alert|ECONNRESET|socket hang up|EPIPE/;
/**
 * curl: 35 = TLS handshake failed; with TLS 1.3 the server's verdict on the client certificate comes
 * after the client's Finished, so curl may report it as 56 (failure receiving data) or 52 (empty reply).
 */
const CURL_HANDSHAKE_FAILURES = [35, 52, 56];

let tmp: TempDir;
/** The edge's terminal lines. */
const edgeLog: string[] = [];
let pki: TestPki;
let edge: LocalEdge;
let serverCa: string;
const files: Record<string, { cert: string; key: string }> = {};

async function save(name: string, cert: IssuedCertificate): Promise<void> {
  files[name] = {
    cert: await tmp.write(`${name}.pem`, cert.pem),
    key: await tmp.write(`${name}.key`, cert.keyPem),
  };
}

let expired: IssuedCertificate;
let foreign: IssuedCertificate;

beforeAll(async () => {
  tmp = await tempDir();
  pki = await createTestPki('E2E');
  expired = await createCertificate({
    subject: 'CN=E2E expired, O=E2E',
    issuer: pki.intermediate,
    notBefore: new Date(Date.now() - 10 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  foreign = (await createTestPki('Unknown')).leaf;
  await save('leaf', pki.leaf);
  const caFile = await tmp.write('trusted-cas.pem', pki.caBundlePem);
  edge = await startLocalEdge({
    port: 0,
    registryPort: 0,
    stateDir: demoStateDir(),
    caFile,
    apiKey: 'e2e-api-key-0123456789',
    refreshIntervalMs: 0,
    log: (line) => edgeLog.push(line),
    // No deadline a busy machine could hit: a 503 or 504 here would be the machine, not the edge.
    handlerEnv: {
      REGISTRY_CACHE_TTL_SECONDS: '1',
      DEPENDENCY_TIMEOUT_MS: '60000',
      UPSTREAM_TIMEOUT_MS: '60000',
    },
  });
  serverCa = readFileSync(edge.pki.files.serverCa, 'utf8');
});

afterAll(async () => {
  await edge?.stop();
  await tmp?.remove();
});

beforeEach(() => {
  edge.upstream!.received.length = 0;
  edge.upstream!.respond(redactingEcho(edge.apiKey));
});

function call(client: IssuedCertificate | undefined, extra: Partial<ClientRequest> = {}) {
  return httpsRequest({ port: edge.port, serverCa, cert: client?.pem, key: client?.keyPem, ...extra });
}

function curlArgs(name: string | undefined, path = '/oauth/token'): string[] {
  const client = name ? files[name]! : undefined;
  return [
    '--cacert',
    edge.pki.files.serverCa,
    ...(client ? ['--cert', client.cert, '--key', client.key] : []),
    '-d',
    'grant_type=client_credentials',
    `${edge.url}${path}`,
  ];
}

describe('a CA-signed client certificate', () => {
  it('is forwarded with SUCCESS, its header byte-identical to OpenSSL’s PEM URL-encoded, the key and one IP', async () => {
    const res = await call(pki.leaf, { body: 'grant_type=client_credentials' });
    expect(res.status).toBe(200);
    expect(edge.upstream!.received).toHaveLength(1);
    const seen = edge.upstream!.received[0]!;
    expect(seen.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    expect(seen.headers['client-certificate']).toEqual([encodeURIComponent(opensslPem(files.leaf!.cert))]);
    expect(seen.headers['cname-api-key']).toEqual(['e2e-api-key-0123456789']);
    expect(seen.headers['x-forwarded-for']).toEqual(['127.0.0.1']);
    expect(seen.url).toBe('/oauth/token');
    expect(seen.body.toString()).toBe('grant_type=client_credentials');
  });

  it('works the same through curl', async () => {
    const result = await curl(curlArgs('leaf'));
    expect(result.status).toBe(200);
    expect(edge.upstream!.received).toHaveLength(1);
    expect(edge.upstream!.received[0]!.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    // The echo shows the key arrived without revealing it to the client.
    expect(result.body).not.toContain('e2e-api-key-0123456789');
    expect(JSON.parse(result.body).headers['cname-api-key']).toEqual(['(redacted: the configured API key)']);
  });

  it('relays binary bodies byte-exact, query values and every value of a repeated response header', async () => {
    edge.upstream!.respond((_request, res) => {
      res.writeHead(
        200,
        [
          ['set-cookie', 'a=1'],
          ['set-cookie', 'b=2'],
          ['content-type', 'application/octet-stream'],
        ].flat(),
      );
      res.end(Buffer.from([0, 255, 1]));
    });
    const body = Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef]);
    const res = await call(pki.leaf, { path: '/oauth/par?x=a%20b&x=c', body });
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.body).toEqual(Buffer.from([0, 255, 1]));
    const seen = edge.upstream!.received[0]!;
    expect(seen.body).toEqual(body);
    expect(new URL(seen.url, 'http://x').searchParams.getAll('x')).toEqual(['a b', 'c']);
  });
});

describe('refused in the handshake, nothing forwarded', () => {
  const cases: Array<[string, () => IssuedCertificate | undefined]> = [
    ['no client certificate', () => undefined],
    ['an expired certificate of the trusted CA', () => expired],
    ['a certificate from an unknown CA', () => foreign],
    ['an unregistered self-signed certificate', () => undefined],
  ];

  it.each(cases.slice(0, 3))('%s (Node https)', async (_name, client) => {
    await expect(call(client())).rejects.toThrow(HANDSHAKE_REFUSED);
    expect(edge.upstream!.received).toHaveLength(0);
  });

  it('an unregistered self-signed certificate (Node https and curl)', async () => {
    const unregistered = await createCertificate({ subject: 'CN=E2E unregistered' });
    await save('unregistered', unregistered);
    await expect(call(unregistered)).rejects.toThrow(HANDSHAKE_REFUSED);
    const result = await curl(curlArgs('unregistered'));
    expect(CURL_HANDSHAKE_FAILURES).toContain(result.exitCode);
    expect(result.status).toBeUndefined();
    expect(edge.upstream!.received).toHaveLength(0);
  });

  it('no client certificate, an expired one, an unknown CA (curl)', async () => {
    await save('expired', expired);
    await save('foreign', foreign);
    for (const name of [undefined, 'expired', 'foreign']) {
      const result = await curl(curlArgs(name));
      expect({ name, exit: CURL_HANDSHAKE_FAILURES.includes(result.exitCode) }).toEqual({ name, exit: true });
    }
    expect(edge.upstream!.received).toHaveLength(0);
  });
});

describe('paths and forged headers', () => {
  it('answers /authorize with 404 and forwards nothing', async () => {
    const res = await call(pki.leaf, { method: 'GET', path: '/authorize?client_id=x' });
    expect(res.status).toBe(404);
    expect(json(res).error).toBe('not_found');
    expect(edge.upstream!.received).toHaveLength(0);
  });

  it('answers TRACE /oauth/token with 405 and Allow: POST, and forwards nothing', async () => {
    const res = await call(pki.leaf, { method: 'TRACE' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(json(res).error).toBe('method_not_allowed');
    expect(edge.upstream!.received).toHaveLength(0);
  });

  it('never lets client copies of client-certificate*, cname-api-key or x-forwarded-for through', async () => {
    const res = await call(pki.leaf, {
      headers: [
        ['client-certificate', 'forged'],
        ['Client-Certificate', 'forged-again'],
        ['CLIENT-CERTIFICATE-CA-VERIFIED', 'SUCCESS'],
        ['client-certificate-ca-verified', 'SUCCESS'],
        ['cname-api-key', 'stolen'],
        ['CNAME-API-KEY', 'stolen-too'],
        ['X-Forwarded-For', '203.0.113.66'],
        ['x-forwarded-for', '198.51.100.1, 10.0.0.1'],
        ['True-Client-IP', '203.0.113.67'],
        ['authorization', 'Bearer passes'],
      ],
    });
    expect(res.status).toBe(200);
    const seen = edge.upstream!.received[0]!;
    expect(seen.headers['client-certificate']).toEqual([encodeURIComponent(pki.leaf.pem)]);
    expect(seen.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    expect(seen.headers['cname-api-key']).toEqual(['e2e-api-key-0123456789']);
    expect(seen.headers['x-forwarded-for']).toEqual(['127.0.0.1']);
    expect(seen.headers['true-client-ip']).toBeUndefined();
    expect(seen.headers.authorization).toEqual(['Bearer passes']);
    const all = seen.rawHeaders.join('\n');
    for (const forged of ['forged', 'stolen', '203.0.113.66', '198.51.100.1', '203.0.113.67']) {
      expect(all).not.toContain(forged);
    }
  });
});

describe('header names', () => {
  it('Object.prototype members (constructor, __proto__, toString, …) pass like any other header', async () => {
    const names = Object.getOwnPropertyNames(Object.prototype);
    const res = await call(pki.leaf, { headers: names.map((name) => [name, `value of ${name}`]) });
    expect(res.status).toBe(200);
    const raw = edge.upstream!.received[0]!.rawHeaders;
    for (const name of names) {
      expect(raw.filter((_, i) => i % 2 === 0 && raw[i] === name)).toHaveLength(1);
      expect(raw[raw.indexOf(name) + 1]).toBe(`value of ${name}`);
    }
  });
});

describe('the registry drives the truststore without a restart', () => {
  it('register → accepted with FAILED once the truststore follows; revoke → 401 from the proxy, then the handshake fails', async () => {
    const selfSigned = await createCertificate({ subject: 'CN=E2E registered self-signed' });
    await save('registered', selfSigned);
    await expect(call(selfSigned)).rejects.toThrow(HANDSHAKE_REFUSED);

    const registered = await edgeCerts(edge.registryEndpoint, [
      'register',
      '--cert',
      files.registered!.cert,
      '--table',
      edge.tableName,
    ]);
    expect(registered).toMatchObject({ code: 0 });
    expect(await edge.refreshTruststore()).toBe(true);

    const accepted = await call(selfSigned);
    expect(accepted.status).toBe(200);
    const seen = edge.upstream!.received.at(-1)!;
    expect(seen.headers['client-certificate-ca-verified']?.[0]).toMatch(/^FAILED(:.*)?$/);
    expect(seen.headers['client-certificate']).toEqual([encodeURIComponent(selfSigned.pem)]);

    const revoked = await edgeCerts(edge.registryEndpoint, [
      'revoke',
      '--cert',
      files.registered!.cert,
      '--table',
      edge.tableName,
    ]);
    expect(revoked).toMatchObject({ code: 0 });

    // The truststore still holds the certificate (not refreshed yet), so every new connection passes the
    // handshake and reaches the proxy, whose registry check answers 401 once its 1 s cache has expired:
    // the condition is waited for, on fresh connections, with no assumption on how long one stays open.
    const refused = await eventually('the revoked certificate is refused by the proxy', async () => {
      const res = await call(selfSigned);
      return res.status === 401 ? res : undefined;
    });
    expect(json(refused).error).toBe('invalid_client');
    // From the first 401 on nothing more is forwarded.
    const forwardedAfter = edge.upstream!.received.length;
    expect((await call(selfSigned)).status).toBe(401);
    expect(edge.upstream!.received).toHaveLength(forwardedAfter);

    // The refreshed truststore no longer holds the certificate: the handshake fails.
    expect(await edge.refreshTruststore()).toBe(true);
    await expect(call(selfSigned)).rejects.toThrow(HANDSHAKE_REFUSED);
  });

  it('a registration whose subject DN is a CA’s is left out with its reason; a later registration still passes the handshake', async () => {
    // Registered through the CLI without a CA bundle in view (nothing can object up front).
    const impostor = await createCertificate({ subject: pki.root.subject });
    await save('impostor', impostor);
    expect(
      await edgeCerts(edge.registryEndpoint, [
        'register',
        '--cert',
        files.impostor!.cert,
        '--table',
        edge.tableName,
      ]),
    ).toMatchObject({ code: 0 });
    const later = await createCertificate({ subject: 'CN=E2E later registration' });
    await save('later', later);
    expect(
      await edgeCerts(edge.registryEndpoint, [
        'register',
        '--cert',
        files.later!.cert,
        '--table',
        edge.tableName,
      ]),
    ).toMatchObject({ code: 0 });

    expect(await edge.refreshTruststore()).toBe(true);

    expect((await call(later)).status).toBe(200);
    await expect(call(impostor)).rejects.toThrow(HANDSHAKE_REFUSED);
    const thumbprint = inspectCertificate(impostor.pem).thumbprint;
    expect(edgeLog.join('\n')).toMatch(
      new RegExp(
        `left out:\\n(.*\\n)*  - ${thumbprint.replace(/[-]/g, '\\-')} \\(.*\\): has the same subject DN as the CA bundle's certificate`,
      ),
    );
  });

  it('a leaf signed by a registered CA:TRUE self-signed certificate passes the handshake but gets 401', async () => {
    const rogueCa = await createCertificate({ subject: 'CN=E2E rogue CA', ca: true });
    const rogueLeaf = await createCertificate({ subject: 'CN=E2E rogue leaf', issuer: rogueCa });
    const caPath = await tmp.write('rogue-ca.pem', rogueCa.pem);
    const registered = await edgeCerts(edge.registryEndpoint, [
      'register',
      '--cert',
      caPath,
      '--table',
      edge.tableName,
    ]);
    expect(registered).toMatchObject({ code: 0 });
    expect(await edge.refreshTruststore()).toBe(true);
    const res = await call(rogueLeaf);
    expect(res.status).toBe(401);
    expect(json(res).error).toBe('invalid_client');
    expect(edge.upstream!.received).toHaveLength(0);
  });
});
