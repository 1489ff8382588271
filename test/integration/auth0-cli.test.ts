/**
 * `edge-certs` on both sides: the registry (dynalite) and Auth0's Management API (the HTTPS stand-in in
 * stand-ins/auth0-management.ts), reached by the unmodified `auth0` SDK. In-process runs hand the SDK a fetch
 * that trusts the stand-in's CA (an undici dispatcher); the child-process run trusts it the way an operator
 * would, through NODE_EXTRA_CA_CERTS. The cases that mostly wait (the SDK's backoff, the child processes)
 * run concurrently, each with a tenant and a table of its own.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { main } from '../../cli/main';
import { MAX_RETRIES } from '../../cli/auth0/tenant';
import { AUTH0_ENV } from '../../shared/contracts/auth0-management';
import { canonicalDn, inspectCertificate } from '../../shared/certificate';
import { getEntry } from '../../shared/registry-store';
import {
  ALL_SCOPES,
  startAuth0ManagementStandIn,
  type Auth0ManagementStandIn,
} from '../../stand-ins/auth0-management';
import { createCertificate, createTestPki, type IssuedCertificate, type TestPki } from '../../stand-ins/pki';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  createRegistryTable,
  startRegistryServer,
  type RegistryServer,
} from '../../stand-ins/registry-server';
import { startSecretsManagerStandIn, type SecretsManagerStandIn } from '../../stand-ins/secrets-manager';

const ROOT = resolve(__dirname, '../..');
const SELF = 'self_signed_tls_client_auth';
const CA = 'tls_client_auth';

let registry: RegistryServer;
let tenant: Auth0ManagementStandIn;
let secrets: SecretsManagerStandIn;
let pki: TestPki;
let dir: string;
let table: string;
let tables = 0;
let files = 0;
const agents: Agent[] = [];
const tenants: Auth0ManagementStandIn[] = [];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fetch for the SDK that trusts `t`'s CA, as NODE_EXTRA_CA_CERTS would. */
function fetchTrusting(t: Auth0ManagementStandIn): typeof fetch {
  const agent = new Agent({ connect: { ca: t.caPem } });
  agents.push(agent);
  return ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher: agent })) as unknown as typeof fetch;
}

function auth0Env(t: Auth0ManagementStandIn): Record<string, string> {
  return {
    [AUTH0_ENV.domain]: t.domain,
    [AUTH0_ENV.clientId]: t.m2m.clientId,
    [AUTH0_ENV.clientSecret]: t.m2m.clientSecret,
  };
}

/** Every capture of the process's own streams that is open now (concurrent cases each have one). */
const captures = new Set<string[]>();
let streamSpies: jest.SpyInstance[] = [];

/**
 * Starts recording what is written to the process's stdout and stderr (still written through); the
 * returned function stops and returns it. The spies are installed once, however many captures are open.
 */
function captureProcessStreams(): () => string {
  const written: string[] = [];
  if (captures.size === 0) {
    streamSpies = [process.stdout, process.stderr].map((stream) => {
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      return jest.spyOn(stream, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
        for (const capture of captures) capture.push(String(chunk));
        return write(chunk, ...rest);
      });
    });
  }
  captures.add(written);
  return () => {
    captures.delete(written);
    if (captures.size === 0) streamSpies.forEach((spy) => spy.mockRestore());
    return written.join('');
  };
}

/** A registry table of its own (for the concurrent cases, which the per-test table does not reach). */
async function freshTable(): Promise<string> {
  const name = `auth0-cli-${++tables}`;
  await createRegistryTable(registry.client(), name);
  return name;
}

/**
 * `main` in-process against the registry and a tenant. Whatever it prints, on its own streams or on the
 * process's, must not contain the M2M secret.
 */
async function cli(
  args: string[],
  options: { t?: Auth0ManagementStandIn; table?: string; env?: Record<string, string | undefined> } = {},
): Promise<Run> {
  const t = options.t ?? tenant;
  let stdout = '';
  let stderr = '';
  // The process's own streams too (the SDK could log there).
  const processOutput = captureProcessStreams();
  try {
    const code = await main(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      // The registry is dynalite on loopback, as with the local edge: nothing asks AWS for a stack.
      env: {
        REGISTRY_TABLE_NAME: options.table ?? table,
        AWS_ENDPOINT_URL_DYNAMODB: registry.endpoint,
        ...auth0Env(t),
        ...options.env,
      },
      cwd: dir,
      dynamodb: () => registry.client(),
      secretsManager: () =>
        new SecretsManagerClient({
          endpoint: secrets.endpoint,
          region: LOCAL_REGION,
          credentials: LOCAL_CREDENTIALS,
        }),
      auth0Fetch: fetchTrusting(t),
    });
    return { code, stdout, stderr };
  } finally {
    const leaked = processOutput();
    for (const text of [stdout, stderr, leaked]) expect(text).not.toContain(t.m2m.clientSecret);
  }
}

/** A certificate written to a file of the test directory; returns the file name. */
function save(cert: IssuedCertificate): string {
  const name = `cert-${++files}.pem`;
  writeFileSync(join(dir, name), cert.pem);
  return name;
}

function selfSigned(subject: string, notAfter?: Date): Promise<IssuedCertificate> {
  return createCertificate({ subject, ...(notAfter ? { notAfter } : {}) });
}

function caSigned(subject: string): Promise<IssuedCertificate> {
  return createCertificate({ subject, issuer: pki.intermediate });
}

const thumbprintOf = (cert: IssuedCertificate): string => inspectCertificate(cert.pem).thumbprint;

/** An Auth0 client already on mTLS (no client secret authentication). */
function addMtlsClient(t: Auth0ManagementStandIn, clientId: string): void {
  t.addClient({
    client_id: clientId,
    name: clientId,
    app_type: 'non_interactive',
    client_secret: 'app-secret',
  });
  t.addCredential(clientId, { credential_type: 'public_key', pem: 'public key' }, 'private_key_jwt');
}

async function freshTenant(): Promise<Auth0ManagementStandIn> {
  const t = await startAuth0ManagementStandIn();
  tenants.push(t);
  return t;
}

beforeAll(async () => {
  [registry, tenant, secrets, pki] = await Promise.all([
    startRegistryServer(),
    startAuth0ManagementStandIn(),
    startSecretsManagerStandIn(),
    createTestPki('Auth0Cli'),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'auth0-cli-'));
});

beforeEach(async () => {
  table = `auth0-cli-${++tables}`;
  await createRegistryTable(registry.client(), table);
  tenant.grant(ALL_SCOPES);
});

afterAll(async () => {
  await Promise.all([
    registry?.close(),
    tenant?.close(),
    secrets?.close(),
    ...tenants.map((t) => t.close()),
    ...agents.map((a) => a.close()),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

describe('register and allow --auth0-client', () => {
  it("register: the edge entry, and an x509_cert credential enabled under self_signed_tls_client_auth next to the client's other credentials", async () => {
    addMtlsClient(tenant, 'reg-self');
    const earlier = await selfSigned('CN=reg-self old');
    const old = tenant.addCredential('reg-self', { credential_type: 'x509_cert', pem: earlier.pem }, SELF);
    const dn = tenant.addCredential(
      'reg-self',
      { credential_type: 'cert_subject_dn', subject_dn: 'CN=reg-self ca' },
      CA,
    );
    const cert = await selfSigned('CN=reg-self new, O=Bank');
    const file = save(cert);

    const run = await cli(['register', '--cert', file, '--auth0-client', 'reg-self']);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const entry = await getEntry(registry.client(), table, thumbprintOf(cert));
    expect(entry).toMatchObject({ kind: 'self-signed', status: 'active', clientId: 'reg-self' });
    const created = tenant.credentials('reg-self').find((c) => c.thumbprint_sha256 === entry?.thumbprint);
    expect(created).toMatchObject({ credential_type: 'x509_cert' });
    expect(tenant.enabled('reg-self', SELF)).toEqual([old.id, created?.id]);
    expect(tenant.enabled('reg-self', CA)).toEqual([dn.id]);
    expect(tenant.enabled('reg-self', 'private_key_jwt')).toHaveLength(1);
    expect(run.stdout).toContain(`auth0: created credential ${created?.id}`);
  });

  it("allow: a cert_subject_dn credential with the certificate's subject DN, enabled under tls_client_auth", async () => {
    addMtlsClient(tenant, 'allow-ca');
    const cert = await caSigned('CN=allow-ca, O=Bank\\, Inc., C=DE');
    const run = await cli(['allow', '--cert', save(cert), '--auth0-client', 'allow-ca']);

    expect(run.code).toBe(0);
    const entry = await getEntry(registry.client(), table, thumbprintOf(cert));
    expect(entry).toMatchObject({ kind: 'ca-signed', status: 'active', clientId: 'allow-ca' });
    const [credential] = tenant
      .credentials('allow-ca')
      .filter((c) => c.credential_type === 'cert_subject_dn');
    expect(credential?.subject_dn).toBe(inspectCertificate(cert.pem).x509.subject);
    expect(canonicalDn(entry?.subject ?? '')).toBe(credential?.subject_dn);
    expect(tenant.enabled('allow-ca', CA)).toEqual([credential?.id]);
  });

  it('register takes a CA-signed certificate as allow does: one command onboards either kind', async () => {
    addMtlsClient(tenant, 'reg-ca');
    const cert = await caSigned('CN=reg-ca, O=Bank');
    const run = await cli(['register', '--cert', save(cert), '--auth0-client', 'reg-ca']);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^allowed /m);
    // No truststore change follows a CA-signed entry, so no hint about watching the builder.
    expect(run.stdout).not.toContain('truststore');
    const entry = await getEntry(registry.client(), table, thumbprintOf(cert));
    expect(entry).toMatchObject({ kind: 'ca-signed', status: 'active', clientId: 'reg-ca' });
    const dns = tenant.credentials('reg-ca').filter((c) => c.credential_type === 'cert_subject_dn');
    expect(dns.map((c) => c.subject_dn)).toEqual([inspectCertificate(cert.pem).x509.subject]);
    expect(tenant.enabled('reg-ca', CA)).toEqual([dns[0]?.id]);
    expect(tenant.enabled('reg-ca', SELF)).toEqual([]);

    // Without --auth0-client, register stays self-signed only and points at allow.
    const other = await caSigned('CN=reg-ca other, O=Bank');
    const refused = await cli(['register', '--cert', save(other)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("'edge-certs allow'");
    expect(await getEntry(registry.client(), table, thumbprintOf(other))).toBeUndefined();
  });

  it('running it again changes nothing on either side', async () => {
    addMtlsClient(tenant, 'again');
    const file = save(await selfSigned('CN=again'));
    expect((await cli(['register', '--cert', file, '--auth0-client', 'again'])).code).toBe(0);
    const before = tenant.credentials('again');

    const run = await cli(['register', '--cert', file, '--auth0-client', 'again']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/already registered .*nothing changed/);
    expect(run.stdout).toContain('already enabled');
    expect(tenant.credentials('again')).toEqual(before);
  });

  it('a client still on its client secret is refused before anything is written; --auth0-switch-to-mtls switches it', async () => {
    tenant.addClient({
      client_id: 'on-secret',
      name: 'on-secret',
      token_endpoint_auth_method: 'client_secret_post',
    });
    const cert = await selfSigned('CN=on-secret');
    const file = save(cert);

    const refused = await cli(['register', '--cert', file, '--auth0-client', 'on-secret']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/nothing changed: .*client_secret_post.*--auth0-switch-to-mtls/);
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
    expect(tenant.credentials('on-secret')).toEqual([]);

    const switched = await cli([
      'register',
      '--cert',
      file,
      '--auth0-client',
      'on-secret',
      '--auth0-switch-to-mtls',
    ]);
    expect(switched.code).toBe(0);
    expect(tenant.client('on-secret')?.token_endpoint_auth_method).toBeUndefined();
    expect(tenant.enabled('on-secret', SELF)).toHaveLength(1);
  });

  it('switching needs update:clients: without it Auth0 refuses and nothing is left behind', async () => {
    tenant.addClient({
      client_id: 'no-switch',
      name: 'no-switch',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    tenant.grant(ALL_SCOPES.filter((s) => s !== 'update:clients'));
    const cert = await selfSigned('CN=no-switch');

    const run = await cli([
      'register',
      '--cert',
      save(cert),
      '--auth0-client',
      'no-switch',
      '--auth0-switch-to-mtls',
    ]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '403 insufficient_scope: Insufficient scope, expected any of: update:clients',
    );
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
    expect(tenant.credentials('no-switch')).toEqual([]);
    expect(tenant.client('no-switch')?.token_endpoint_auth_method).toBe('client_secret_basic');
  });

  it('without read:client_credentials nothing is written: a PATCH built blind could drop methods Auth0 hid', async () => {
    addMtlsClient(tenant, 'blind');
    tenant.grant(ALL_SCOPES.filter((s) => s !== 'read:client_credentials'));
    const cert = await selfSigned('CN=blind');
    const before = tenant.requests.length;

    const run = await cli(['register', '--cert', save(cert), '--auth0-client', 'blind']);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nothing changed: reading the credentials of Auth0 client blind failed');
    expect(run.stderr).toContain('expected any of: read:client_credentials');
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
    const writes = tenant.requests
      .slice(before)
      .filter((r) => r.method !== 'GET' && r.path.startsWith('/api/'));
    expect(writes).toEqual([]);
  });

  it('an unknown Auth0 client is refused before anything is written', async () => {
    const cert = await selfSigned('CN=nobody');
    const run = await cli(['register', '--cert', save(cert), '--auth0-client', 'no-such-client']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`has no client no-such-client`);
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
  });
});

describe('Auth0 failing mid-way', () => {
  it('enabling refused: the credential is deleted and the edge entry removed again, and the message says so', async () => {
    addMtlsClient(tenant, 'mid-patch');
    const cert = await selfSigned('CN=mid-patch');
    const file = save(cert);
    tenant.failNext({ method: 'PATCH', path: /\/clients\/mid-patch$/, status: 400 });

    const run = await cli(['register', '--cert', file, '--auth0-client', 'mid-patch']);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `edge-certs: register: not done: Auth0 answered 400 Bad Request: stand-in failure; the Auth0 credential created by this run was deleted again, the edge entry written by this run was removed again. Retry: edge-certs register --cert ${file} --auth0-client mid-patch\n`,
    );
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
    expect(tenant.credentials('mid-patch').filter((c) => c.credential_type === 'x509_cert')).toEqual([]);
  });

  it('a missing scope (403 insufficient_scope) on create: the edge entry is removed again', async () => {
    addMtlsClient(tenant, 'mid-scope');
    tenant.grant(ALL_SCOPES.filter((s) => s !== 'create:client_credentials'));
    const cert = await caSigned('CN=mid-scope');

    const run = await cli(['allow', '--cert', save(cert), '--auth0-client', 'mid-scope']);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('expected any of: create:client_credentials');
    expect(run.stderr).toContain(
      'nothing changed in Auth0, the edge entry written by this run was removed again',
    );
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
  });

  it('when the undo fails too, the message says exactly what is where, and its two commands work', async () => {
    addMtlsClient(tenant, 'half');
    const cert = await selfSigned('CN=half');
    const file = save(cert);
    tenant.failNext({ method: 'PATCH', path: /\/clients\/half$/, status: 400 });
    tenant.failNext({ method: 'DELETE', path: /\/clients\/half\/credentials\//, status: 400 });

    const run = await cli(['register', '--cert', file, '--auth0-client', 'half']);

    expect(run.code).toBe(1);
    const [left] = tenant.credentials('half').filter((c) => c.credential_type === 'x509_cert');
    expect(run.stderr.split('\n')).toEqual([
      'edge-certs: register: half done: Auth0 answered 400 Bad Request: stand-in failure',
      '  at the edge: nothing (the entry written by this run was removed again)',
      `  in Auth0 client half: credential ${left?.id} (x509_cert, thumbprint ${thumbprintOf(cert)}) exists, not enabled (undo failed: Auth0 answered 400 Bad Request: stand-in failure)`,
      `  complete it: edge-certs register --cert ${file} --auth0-client half`,
      `  or revert it: edge-certs remove --cert ${file} --auth0-client half`,
      '',
    ]);
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
    expect(tenant.enabled('half', SELF)).toEqual([]);

    const complete = await cli(['register', '--cert', file, '--auth0-client', 'half']);
    expect(complete.code).toBe(0);
    expect(complete.stdout).toContain(`auth0: found credential ${left?.id}`);
    expect(tenant.enabled('half', SELF)).toEqual([left?.id]);
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toMatchObject({ status: 'active' });

    const revert = await cli(['remove', '--cert', file, '--auth0-client', 'half']);
    expect(revert.code).toBe(0);
    expect(tenant.credentials('half').filter((c) => c.credential_type === 'x509_cert')).toEqual([]);
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
  });
});

describe('revoke and remove --auth0-client', () => {
  it('revoke: the edge refuses first; when Auth0 then fails, the message gives the command that finishes it', async () => {
    addMtlsClient(tenant, 'rev');
    const cert = await selfSigned('CN=rev');
    const file = save(cert);
    expect((await cli(['register', '--cert', file, '--auth0-client', 'rev'])).code).toBe(0);
    const [credential] = tenant.credentials('rev').filter((c) => c.credential_type === 'x509_cert');
    tenant.failNext({ method: 'PATCH', path: /\/clients\/rev$/, status: 400 });

    const failed = await cli(['revoke', '--cert', file, '--auth0-client', 'rev']);

    expect(failed.code).toBe(1);
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toMatchObject({ status: 'revoked' });
    expect(tenant.enabled('rev', SELF)).toEqual([credential?.id]);
    expect(failed.stderr).toContain(
      `at the edge: thumbprint ${thumbprintOf(cert)} is revoked (the edge refuses it)`,
    );
    expect(failed.stderr).toContain(`complete it: edge-certs revoke --cert ${file} --auth0-client rev`);

    const done = await cli(['revoke', '--cert', file, '--auth0-client', 'rev']);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`auth0: disabled and deleted credential ${credential?.id}`);
    expect(tenant.enabled('rev', SELF)).toEqual([]);
    expect(tenant.credentials('rev').filter((c) => c.credential_type === 'x509_cert')).toEqual([]);
  });

  it('revoke --thumbprint of a CA-signed certificate finds its cert_subject_dn credential through the entry', async () => {
    addMtlsClient(tenant, 'rev-ca');
    const cert = await caSigned('CN=rev-ca, O=Bank');
    expect((await cli(['allow', '--cert', save(cert), '--auth0-client', 'rev-ca'])).code).toBe(0);

    const run = await cli(['revoke', '--thumbprint', thumbprintOf(cert), '--auth0-client', 'rev-ca']);

    expect(run.code).toBe(0);
    expect(tenant.enabled('rev-ca', CA)).toEqual([]);
    expect(tenant.credentials('rev-ca').filter((c) => c.credential_type === 'cert_subject_dn')).toEqual([]);
  });

  it('remove a CA-signed certificate: DN credential and entry are gone, the client keeps its other credentials', async () => {
    addMtlsClient(tenant, 'rm-ca');
    const cert = await caSigned('CN=rm-ca');
    const file = save(cert);
    expect((await cli(['allow', '--cert', file, '--auth0-client', 'rm-ca'])).code).toBe(0);

    const run = await cli(['remove', '--cert', file, '--auth0-client', 'rm-ca']);

    expect(run.code).toBe(0);
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
    expect(tenant.credentials('rm-ca').map((c) => c.credential_type)).toEqual(['public_key']);
    expect(tenant.enabled('rm-ca', 'private_key_jwt')).toHaveLength(1);
    expect(tenant.enabled('rm-ca', CA)).toEqual([]);
  });

  it('remove keeps a cert_subject_dn credential that another active certificate of the client still needs', async () => {
    addMtlsClient(tenant, 'rotate');
    const first = await caSigned('CN=rotate, O=Bank');
    const second = await caSigned('CN=rotate, O=Bank');
    expect((await cli(['allow', '--cert', save(first), '--auth0-client', 'rotate'])).code).toBe(0);
    const reused = await cli(['allow', '--cert', save(second), '--auth0-client', 'rotate']);
    expect(reused.stdout).toContain('auth0: found credential');
    const [credential] = tenant.credentials('rotate').filter((c) => c.credential_type === 'cert_subject_dn');

    const run = await cli(['remove', '--thumbprint', thumbprintOf(first), '--auth0-client', 'rotate']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`kept credential ${credential?.id}`);
    expect(run.stdout).toContain(`active certificate ${thumbprintOf(second)} has the same subject DN`);
    expect(tenant.enabled('rotate', CA)).toEqual([credential?.id]);
    expect(await getEntry(registry.client(), table, thumbprintOf(first))).toBeUndefined();
  });
});

describe('audit', () => {
  it('reports each kind of drift per certificate, as JSON, and exits 1', async () => {
    const t = await freshTenant();
    addMtlsClient(t, 'bank');
    const [agree, auth0Only, edgeOnly, revoked, expiring] = await Promise.all([
      selfSigned('CN=agree'),
      selfSigned('CN=auth0 only'),
      selfSigned('CN=edge only'),
      selfSigned('CN=revoked'),
      selfSigned('CN=expiring', new Date(Date.now() + 5 * 86_400_000)),
    ]);
    for (const cert of [agree, edgeOnly, revoked, expiring]) {
      // The whole run on failure, so its stderr says why.
      expect(await cli(['register', '--cert', save(cert), '--client-id', 'bank'], { t })).toMatchObject({
        code: 0,
      });
    }
    for (const cert of [agree, auth0Only, revoked, expiring]) {
      t.addCredential('bank', { credential_type: 'x509_cert', pem: cert.pem }, SELF);
    }
    expect((await cli(['revoke', '--thumbprint', thumbprintOf(revoked)], { t })).code).toBe(0);

    // The others expire in 30 days (createCertificate's default), this one in 5.
    const run = await cli(['audit', '--json', '--days', '10'], { t });

    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      summary: Record<string, number>;
      certificates: { thumbprint: string; status: string; expiring: boolean }[];
    };
    const byThumbprint = Object.fromEntries(report.certificates.map((c) => [c.thumbprint, c]));
    expect(byThumbprint[thumbprintOf(agree)]).toMatchObject({ status: 'agree', expiring: false });
    expect(byThumbprint[thumbprintOf(auth0Only)]).toMatchObject({ status: 'only-in-auth0' });
    expect(byThumbprint[thumbprintOf(edgeOnly)]).toMatchObject({ status: 'only-at-edge' });
    expect(byThumbprint[thumbprintOf(revoked)]).toMatchObject({ status: 'revoked-at-edge-enabled-in-auth0' });
    expect(byThumbprint[thumbprintOf(expiring)]).toMatchObject({ status: 'agree', expiring: true });
    expect(report).toMatchObject({
      ok: false,
      summary: {
        agree: 2,
        'only-in-auth0': 1,
        'only-at-edge': 1,
        'revoked-at-edge-enabled-in-auth0': 1,
        expiring: 1,
      },
    });

    const text = await cli(['audit'], { t });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('result: DRIFT');
    expect(text.stdout).toMatch(/^revoked-at-edge-enabled-in-auth0 +self-signed/m);
  });

  it('both sides agreeing exits 0, CA-signed DN credentials included', async () => {
    const t = await freshTenant();
    addMtlsClient(t, 'calm');
    expect(
      (await cli(['register', '--cert', save(await selfSigned('CN=calm')), '--auth0-client', 'calm'], { t }))
        .code,
    ).toBe(0);
    expect(
      (await cli(['allow', '--cert', save(await caSigned('CN=calm ca')), '--auth0-client', 'calm'], { t }))
        .code,
    ).toBe(0);

    const run = await cli(['audit', '--ca-signed-policy', 'registered'], { t });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('audit: 2 certificate(s): 2 agree');
    expect(run.stdout).toContain('result: OK');
  });

  it('reads every page of clients (per_page 100, page 0, 1, …)', async () => {
    const t = await freshTenant();
    for (let i = 0; i < 150; i++)
      t.addClient({ client_id: `client-${i}`, name: `client ${i}`, token_endpoint_auth_method: 'none' });
    addMtlsClient(t, 'last-page');
    const cert = await selfSigned('CN=last page');
    t.addCredential('last-page', { credential_type: 'x509_cert', pem: cert.pem }, SELF);

    const run = await cli(['audit', '--json'], { t });

    const report = JSON.parse(run.stdout) as { certificates: { thumbprint: string; status: string }[] };
    expect(report.certificates).toEqual([
      expect.objectContaining({ thumbprint: thumbprintOf(cert), status: 'only-in-auth0' }),
    ]);
    const pages = t.requests
      .filter((r) => r.method === 'GET' && r.path === '/api/v2/clients')
      .map((r) => r.query);
    expect(pages.map((q) => [q.page, q.per_page])).toEqual([
      ['0', '100'],
      ['1', '100'],
    ]);
  });

  it('without read:client_credentials the audit fails instead of calling everything only at the edge', async () => {
    const t = await freshTenant();
    addMtlsClient(t, 'hidden');
    t.grant(ALL_SCOPES.filter((s) => s !== 'read:client_credentials'));

    const run = await cli(['audit'], { t });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '403 insufficient_scope: Insufficient scope, expected any of: read:client_credentials',
    );
    expect(run.stdout).toBe('');
  });
});

describe('Management API credentials', () => {
  it('without them: exit 2 naming the variables, before anything is written', async () => {
    const cert = await selfSigned('CN=unconfigured');
    const run = await cli(['register', '--cert', save(cert), '--auth0-client', 'x'], {
      env: {
        [AUTH0_ENV.domain]: undefined,
        [AUTH0_ENV.clientId]: undefined,
        [AUTH0_ENV.clientSecret]: undefined,
      },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'set AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET (or AUTH0_M2M_SECRET_ID',
    );
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
  });

  it('from a Secrets Manager secret (AUTH0_M2M_SECRET_ID)', async () => {
    const t = await freshTenant();
    addMtlsClient(t, 'from-secret');
    secrets.setSecret(
      'edge/auth0-m2m',
      JSON.stringify({ domain: t.domain, client_id: t.m2m.clientId, client_secret: t.m2m.clientSecret }),
    );
    const run = await cli(['audit'], {
      t,
      env: {
        [AUTH0_ENV.domain]: undefined,
        [AUTH0_ENV.clientId]: undefined,
        [AUTH0_ENV.clientSecret]: undefined,
        [AUTH0_ENV.secretId]: 'edge/auth0-m2m',
      },
    });
    expect(run.code).toBe(0);
    expect(t.requests.filter((r) => r.path === '/oauth/token').map((r) => r.status)).toEqual([200]);
  });

  it('a wrong secret: exit 1, Auth0 refused the token request, and neither secret is printed', async () => {
    const t = await freshTenant();
    const wrong = 'not-the-secret-0123456789';
    const run = await cli(['audit'], { t, env: { [AUTH0_ENV.clientSecret]: wrong } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Auth0 answered 401 access_denied: Unauthorized');
    expect(run.stdout + run.stderr).not.toContain(wrong);
  });

  it('whatever Auth0 answers, the secret is redacted from what is printed', async () => {
    const t = await freshTenant();
    // A token endpoint that echoes what it was sent, as a misbehaving proxy in between might.
    t.failNext({
      path: /^\/oauth\/token$/,
      status: 401,
      body: { error: 'access_denied', error_description: `client_secret=${t.m2m.clientSecret} refused` },
    });
    const run = await cli(['audit'], { t });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Auth0 answered 401 access_denied: client_secret=[REDACTED] refused');
  });
});

describe('what mostly waits: the SDK backoff on 429s, the real executable (concurrent cases)', () => {
  it.concurrent(
    'a 429 storm: the SDK retries each 429 (Auth0 sends x-ratelimit-reset) and the audit completes',
    async () => {
      const t = await freshTenant();
      const table = await freshTable();
      addMtlsClient(t, 'stormy');
      const file = save(await selfSigned('CN=stormy'));
      expect((await cli(['register', '--cert', file, '--auth0-client', 'stormy'], { t, table })).code).toBe(
        0,
      );
      const before = t.requests.length;
      t.failNext({ method: 'GET', path: /\/credentials$/, status: 429, count: 3 });

      const run = await cli(['audit'], { t, table });

      expect(run.code).toBe(0);
      const credentialReads = t.requests
        .slice(before)
        .filter((r) => r.path === '/api/v2/clients/stormy/credentials');
      expect(credentialReads.map((r) => r.status)).toEqual([429, 429, 429, 200]);
    },
  );

  it.concurrent('register gives up after the retries and leaves nothing behind', async () => {
    const t = await freshTenant();
    const table = await freshTable();
    addMtlsClient(t, 'storm-reg');
    const cert = await selfSigned('CN=storm-reg');
    t.failNext({
      method: 'POST',
      path: /\/clients\/storm-reg\/credentials$/,
      status: 429,
      count: MAX_RETRIES + 1,
    });

    const run = await cli(['register', '--cert', save(cert), '--auth0-client', 'storm-reg'], { t, table });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `Auth0 answered 429 too_many_requests: Global limit has been reached (after ${MAX_RETRIES} retries`,
    );
    expect(await getEntry(registry.client(), table, thumbprintOf(cert))).toBeUndefined();
    expect(t.credentials('storm-reg').filter((c) => c.credential_type === 'x509_cert')).toEqual([]);
  });

  it.concurrent(
    'the real executable trusts the tenant through NODE_EXTRA_CA_CERTS and keeps the secret out of its output',
    async () => {
      const t = await freshTenant();
      const table = await freshTable();
      addMtlsClient(t, 'child');
      const caFile = join(dir, 'auth0-ca.pem');
      writeFileSync(caFile, t.caPem);
      const file = save(await selfSigned('CN=child'));
      const run = (args: string[]): Promise<Run> =>
        new Promise((done) => {
          execFile(
            process.execPath,
            [join(ROOT, 'bin/edge-certs.js'), ...args],
            {
              cwd: dir,
              env: {
                PATH: process.env.PATH ?? '',
                HOME: dir,
                NODE_EXTRA_CA_CERTS: caFile,
                AWS_ENDPOINT_URL_DYNAMODB: registry.endpoint,
                REGISTRY_TABLE_NAME: table,
                ...auth0Env(t),
              },
            },
            (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          );
        });

      const registered = await run(['register', '--cert', file, '--auth0-client', 'child']);
      const audited = await run(['audit', '--json']);

      expect(registered).toMatchObject({ code: 0, stderr: '' });
      expect(audited.code).toBe(0);
      expect(JSON.parse(audited.stdout)).toMatchObject({ ok: true, summary: { agree: 1 } });
      for (const text of [registered.stdout, registered.stderr, audited.stdout, audited.stderr]) {
        expect(text).not.toContain(t.m2m.clientSecret);
      }
    },
  );
});
