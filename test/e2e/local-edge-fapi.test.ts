/**
 * `--tls-profile fapi`: on TLS 1.2 only the FAPI 1 Advanced ECDHE-RSA AES-GCM suites; TLS 1.3 allowed
 * and preferred. Real handshakes against the local edge (demo PKI), Node's tls and curl.
 */
import { readFileSync } from 'node:fs';
import { startLocalEdge, type LocalEdge } from '../../local/edge/edge';
import { curl, httpsRequest, type ClientRequest } from './clients';
import { demoStateDir } from './edge-harness';
import { useTemplateIam } from '../support/iam';

/** Every call the proxy and the CLI make is checked against their policies in the template. */
useTemplateIam();

let edge: LocalEdge;
let client: Pick<ClientRequest, 'port' | 'serverCa' | 'cert' | 'key'>;

beforeAll(async () => {
  edge = await startLocalEdge({
    port: 0,
    registryPort: 0,
    stateDir: demoStateDir(),
    tlsProfile: 'fapi',
    refreshIntervalMs: 0,
    // No deadline a busy machine could hit: a 503 or 504 here would be the machine, not the edge.
    handlerEnv: { DEPENDENCY_TIMEOUT_MS: '60000', UPSTREAM_TIMEOUT_MS: '60000' },
  });
  client = {
    port: edge.port,
    serverCa: readFileSync(edge.pki.files.serverCa, 'utf8'),
    cert: readFileSync(edge.pki.files.client, 'utf8'),
    key: readFileSync(edge.pki.files.clientKey, 'utf8'),
  };
});

afterAll(async () => {
  await edge?.stop();
});

beforeEach(() => {
  edge.upstream!.received.length = 0;
});

it('refuses a TLS 1.2 client offering only a CBC suite (Node tls), forwarding nothing', async () => {
  await expect(
    httpsRequest({ ...client, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256' }),
  ).rejects.toThrow(/handshake failure|no shared cipher|alert/);
  expect(edge.upstream!.received).toHaveLength(0);
});

it('refuses a TLS 1.2 client offering only a CBC suite (curl)', async () => {
  const result = await curl([
    '--tls-max',
    '1.2',
    '--ciphers',
    'ECDHE-RSA-AES128-SHA256',
    '--cacert',
    edge.pki.files.serverCa,
    '--cert',
    edge.pki.files.client,
    '--key',
    edge.pki.files.clientKey,
    `${edge.url}/oauth/token`,
  ]);
  expect(result.exitCode).toBe(35);
  expect(edge.upstream!.received).toHaveLength(0);
});

it.each(['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384'])(
  'accepts a TLS 1.2 client offering %s',
  async (cipher) => {
    const res = await httpsRequest({ ...client, maxVersion: 'TLSv1.2', ciphers: cipher });
    expect(res.status).toBe(200);
    expect(res.protocol).toBe('TLSv1.2');
    expect(res.cipher).toBe(cipher);
    expect(edge.upstream!.received[0]!.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
  },
);

it('prefers TLS 1.3 when the client offers it', async () => {
  const res = await httpsRequest(client);
  expect(res.status).toBe(200);
  expect(res.protocol).toBe('TLSv1.3');
});

it('accepts the FAPI suite through curl too', async () => {
  const result = await curl([
    '--tls-max',
    '1.2',
    '--ciphers',
    'ECDHE-RSA-AES128-GCM-SHA256',
    '--cacert',
    edge.pki.files.serverCa,
    '--cert',
    edge.pki.files.client,
    '--key',
    edge.pki.files.clientKey,
    '-d',
    'grant_type=client_credentials',
    `${edge.url}/oauth/token`,
  ]);
  expect(result.status).toBe(200);
});
