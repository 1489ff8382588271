/**
 * `npm start -- --front-door alb` end to end: real TLS handshakes (Node's tls and curl) against the
 * local edge behaving like the ALB front door — its listener policy's protocols and suites only, mutual
 * TLS passthrough (any client certificate completes the handshake, the presented chain goes to the
 * proxy in the ALB's event), no truststore: the registry alone decides. The proxy Lambda's real
 * handler, the embedded registry and the echo upstream, whose received requests are what we assert on.
 */
import { readFileSync } from 'node:fs';
import { startLocalEdge, type LocalEdge } from '../../local/edge/edge';
import { ALB_TLS_POLICY } from '../../shared/contracts/alb';
import { encodeAlbCertificateChain } from '../../stand-ins/alb';
import { createCertificate, createTestPki, type IssuedCertificate, type TestPki } from '../../stand-ins/pki';
import { curl, eventually, httpsRequest, json, type ClientRequest } from './clients';
import { demoStateDir, edgeCerts, tempDir, type TempDir } from './edge-harness';
import { useTemplateIam } from '../support/iam';

/** Every call the proxy and the CLI make is checked against their policies in the template. */
useTemplateIam();

/** The server's alerts: no suite in common (40), a protocol version it does not speak (70). */
const NO_SHARED_SUITE = /alert handshake failure/;
const OLD_PROTOCOL = /alert protocol version/;

let tmp: TempDir;
let pki: TestPki;
let edge: LocalEdge;
let serverCa: string;

beforeAll(async () => {
  tmp = await tempDir('local-edge-alb-');
  pki = await createTestPki('Alb E2E');
  edge = await startLocalEdge({
    frontDoor: 'alb',
    port: 0,
    registryPort: 0,
    stateDir: demoStateDir(),
    caFile: await tmp.write('trusted-cas.pem', pki.caBundlePem),
    handlerEnv: { REGISTRY_CACHE_TTL_SECONDS: '1' },
  });
  serverCa = readFileSync(edge.pki.files.serverCa, 'utf8');
});

afterAll(async () => {
  await edge?.stop();
  await tmp?.remove();
});

beforeEach(() => {
  edge.upstream!.received.length = 0;
});

function call(client: { pem: string; keyPem: string } | undefined, extra: Partial<ClientRequest> = {}) {
  return httpsRequest({
    port: edge.port,
    serverCa,
    cert: client?.pem,
    key: client?.keyPem,
    body: 'grant_type=client_credentials',
    headers: [['content-type', 'application/x-www-form-urlencoded']],
    ...extra,
  });
}

async function curlWith(args: readonly string[]) {
  const cert = await tmp.write('leaf.pem', pki.leaf.pem);
  const key = await tmp.write('leaf.key', pki.leaf.keyPem);
  return curl([
    ...args,
    '--cacert',
    edge.pki.files.serverCa,
    '--cert',
    cert,
    '--key',
    key,
    '-d',
    'grant_type=client_credentials',
    `${edge.url}/oauth/token`,
  ]);
}

describe(`only the listener policy's TLS (${ALB_TLS_POLICY.name})`, () => {
  it('refuses a TLS 1.2 client offering only CBC suites (Node tls and curl), forwarding nothing', async () => {
    await expect(
      call(pki.leaf, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA' }),
    ).rejects.toThrow(NO_SHARED_SUITE);
    const result = await curlWith(['--tls-max', '1.2', '--ciphers', 'ECDHE-RSA-AES128-SHA256']);
    expect(result.exitCode).toBe(35);
    expect(edge.upstream!.received).toHaveLength(0);
  });

  it('refuses TLS 1.2 suites outside the policy that clients offer by default: ChaCha20 and static RSA', async () => {
    for (const ciphers of ['ECDHE-RSA-CHACHA20-POLY1305', 'AES128-GCM-SHA256']) {
      await expect(call(pki.leaf, { maxVersion: 'TLSv1.2', ciphers })).rejects.toThrow(NO_SHARED_SUITE);
    }
    expect(edge.upstream!.received).toHaveLength(0);
  });

  it('refuses a TLS 1.1 client (Node tls and curl), forwarding nothing', async () => {
    // Security level 0, or OpenSSL 3 would not even offer TLS 1.1: the refusal must be the server's.
    await expect(
      call(pki.leaf, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    ).rejects.toThrow(OLD_PROTOCOL);
    const result = await curlWith(['--tlsv1.1', '--tls-max', '1.1', '--ciphers', 'DEFAULT@SECLEVEL=0']);
    expect(result.exitCode).toBe(35);
    expect(result.stderr).toMatch(OLD_PROTOCOL);
    expect(edge.upstream!.received).toHaveLength(0);
  });

  it.each(['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384'])(
    'accepts a TLS 1.2 client offering %s',
    async (cipher) => {
      const res = await call(pki.leaf, { maxVersion: 'TLSv1.2', ciphers: cipher });
      expect(res.status).toBe(200);
      expect(res.protocol).toBe('TLSv1.2');
      expect(res.cipher).toBe(cipher);
      expect(edge.upstream!.received[0]!.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    },
  );

  it('accepts TLS 1.3 (Node tls and curl), and prefers it', async () => {
    const res = await call(pki.leaf);
    expect(res.status).toBe(200);
    expect(res.protocol).toBe('TLSv1.3');
    const result = await curlWith(['--tlsv1.3']);
    expect(result.status).toBe(200);
  });
});

describe('mutual TLS passthrough: the proxy decides', () => {
  it('an unregistered self-signed certificate completes the handshake and gets the proxy’s 401', async () => {
    const stranger = await createCertificate({ subject: 'CN=Alb E2E stranger' });
    const res = await call(stranger);
    expect(res.status).toBe(401);
    expect(json(res).error).toBe('invalid_client');
    expect(edge.upstream!.received).toHaveLength(0);
  });

  it('no client certificate: 401, nothing forwarded', async () => {
    const res = await call(undefined);
    expect(res.status).toBe(401);
    expect(edge.upstream!.received).toHaveLength(0);
  });

  it('a newly registered self-signed certificate is accepted without any truststore change', async () => {
    const fresh = await createCertificate({ subject: 'CN=Alb E2E newly registered' });
    expect((await call(fresh)).status).toBe(401);
    const registered = await edgeCerts(edge.registryEndpoint, [
      'register',
      '--cert',
      await tmp.write('fresh.pem', fresh.pem),
      '--table',
      edge.tableName,
    ]);
    expect(registered).toMatchObject({ code: 0 });
    // Within the proxy's registry cache lifetime (1 s here): no truststore exists to rebuild.
    await eventually('the registered certificate is accepted', async () => {
      const res = await call(fresh);
      return res.status === 200 ? res : undefined;
    });
    expect(edge.truststore()).toBeUndefined();
    expect(edge.upstream!.received.at(-1)!.headers['client-certificate-ca-verified']?.[0]).toMatch(/^FAILED/);
  });

  it('a chain presented in the handshake reaches the proxy: a leaf of a CA outside the bundle, with that CA', async () => {
    const team = await createCertificate({
      subject: 'CN=Alb E2E Team CA, O=Alb E2E',
      ca: true,
      issuer: pki.intermediate,
    });
    const teamLeaf: IssuedCertificate = await createCertificate({
      subject: 'CN=Alb E2E team client',
      issuer: team,
    });
    const withChain = await call({ pem: teamLeaf.pem + team.pem, keyPem: teamLeaf.keyPem });
    expect(withChain.status).toBe(200);
    expect(edge.upstream!.received[0]!.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    // The leaf alone does not reach the bundle.
    const alone = await call(teamLeaf);
    expect(alone.status).toBe(401);
    expect(edge.upstream!.received).toHaveLength(1);
  });

  it('a client’s own X-Amzn-Mtls-Clientcert beside its certificate changes nothing: the chain comes from the handshake, the copy is stripped', async () => {
    // The listener writes the chain under its renamed header (a suffix the client does not know).
    const res = await call(pki.leaf, {
      headers: [['X-Amzn-Mtls-Clientcert', encodeAlbCertificateChain([pki.rootLeaf.pem])]],
    });
    expect(res.status).toBe(200);
    const received = edge.upstream!.received[0]!;
    expect(received.headers['client-certificate']).toEqual([encodeURIComponent(pki.leaf.pem)]);
    expect(Object.keys(received.headers).filter((name) => name.startsWith('x-amzn-mtls'))).toEqual([]);
  });
});
