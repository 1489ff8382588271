/**
 * The admin CLI against a real DynamoDB-compatible server (dynalite) with certificates made here.
 * The real executable (`node bin/edge-certs.js`, the `npx edge-certs` entry) runs in a child process
 * for what only a process shows: each exit status (0, 1, 2) and its one stderr line, JSON on a piped
 * stdout, the SDK's own settings from the environment (no credentials, a loopback endpoint, the stack
 * output), a refused connection, and two operators registering at once: six children. Every other case
 * calls the same `main` in-process, with injected clients.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { inspectCertificate, thumbprintOf as thumbprintOfDer } from '../../shared/certificate';
import { REGISTRY_ATTRIBUTES, ttlFor, type RegistryEntry } from '../../shared/registry-model';
import { subjectGuardKey } from '../../shared/registry-store';
import { main } from '../../cli/main';
import { startCloudFormationStandIn, type CloudFormationStandIn } from '../../stand-ins/cloudformation';
import { createCertificate, createTestPki, resignUntil, type TestPki } from '../../stand-ins/pki';
import { opensslSelfSigned } from '../../stand-ins/openssl';
import { PRINCIPAL_CREDENTIALS } from '../../stand-ins/iam-gate';
import { startS3Server, type S3Server } from '../../stand-ins/s3-server';
import {
  LOCAL_REGION,
  createRegistryTable,
  startRegistryServer,
  type RegistryServer,
} from '../../stand-ins/registry-server';
import { useTemplateIam } from '../support/iam';
import { closedPortUrl } from '../support/proxy-harness';

/** Every call the CLI makes is checked against the stack's operator policy (OperatorPolicyArn output). */
const iam = useTemplateIam();
const OPERATOR = PRINCIPAL_CREDENTIALS.operator;

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/edge-certs.js');
const DAY = 86_400_000;
const inDays = (days: number): Date => new Date(Date.now() + days * DAY);

let server: RegistryServer;
let cfn: CloudFormationStandIn;
let dir: string;
let pki: TestPki;
let tableCounter = 0;
let table: string;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const DEPLOYED_BUCKET = 'deployed-truststore';
/** The stand-in's stacks and their outputs (read on every DescribeStacks, so a test may add one). */
const stacks: Record<string, Record<string, string>> = {
  CustomerEdge: { RegistryTableName: 'registry-from-stack' },
};

/** `main` in-process, against the test's dynalite. */
async function cli(
  args: string[],
  options: {
    now?: Date;
    /** Over REGISTRY_TABLE_NAME=<this test's table>; undefined removes a variable. */
    env?: Record<string, string | undefined>;
    s3?: () => S3Client;
    cloudformation?: () => CloudFormationClient;
  } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { REGISTRY_TABLE_NAME: table, ...options.env },
    cwd: dir,
    ...(options.now ? { now: () => options.now as Date } : {}),
    dynamodb: () => server.client(OPERATOR),
    ...(options.s3 ? { s3: options.s3 } : {}),
    cloudformation:
      options.cloudformation ??
      (() =>
        new CloudFormationClient({ endpoint: cfn.endpoint, region: LOCAL_REGION, credentials: OPERATOR })),
  });
  return { code, stdout, stderr };
}

/** The real executable in a child process, with no AWS configuration but the endpoints. */
function spawnCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir, // no ~/.aws here: "no credentials configured"
          AWS_ENDPOINT_URL_DYNAMODB: server.endpoint,
          AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

function file(name: string, content: string): string {
  writeFileSync(join(dir, name), content);
  return name;
}

const thumbprintOf = (pem: string): string => inspectCertificate(pem).thumbprint;

async function selfSigned(name: string, subject: string, options: { notAfter?: Date } = {}): Promise<string> {
  const cert = await createCertificate({ subject, notAfter: options.notAfter ?? inDays(365) });
  return file(name, cert.pem);
}

async function listJson(): Promise<RegistryEntry[]> {
  const run = await cli(['list', '--json']);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as RegistryEntry[];
}

beforeAll(async () => {
  server = await startRegistryServer();
  dir = mkdtempSync(join(tmpdir(), 'edge-certs-'));
  pki = await createTestPki('Cli');
  file('ca-bundle.pem', pki.caBundlePem);
  file('ca-signed.pem', pki.leaf.pem);
});

beforeEach(async () => {
  // A fresh table per test: no test depends on another's registrations.
  table = `registry-${++tableCounter}`;
  await createRegistryTable(server.client(), table);
  iam.deploy({ tableName: table });
  cfn?.calls.splice(0);
});

beforeAll(async () => {
  cfn = await startCloudFormationStandIn(stacks);
});

afterAll(async () => {
  await cfn.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('exit statuses, output and settings (the child-process cases run the npx entry)', () => {
  it('registers on a loopback endpoint with no AWS credentials configured, exit 0', async () => {
    const name = await selfSigned('child-ok.pem', 'CN=child ok');
    const run = await spawnCli(['register', '--cert', name, '--table', table]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `registered ${name} (CN=child ok, thumbprint ${thumbprintOf(readFileSync(join(dir, name), 'utf8'))})`,
    );
    expect((await listJson()).map((e) => e.subject)).toEqual(['CN=child ok']);
  });

  it('refuses a CA-signed certificate with exit 2 and one line naming file, subject, thumbprint and problem', async () => {
    const run = await cli(['--table', table, 'register', '--cert', 'ca-signed.pem']);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `edge-certs: refused ca-signed.pem (CN=Cli client, O=Cli, thumbprint ${thumbprintOf(pki.leaf.pem)}): ` +
        `CA-signed certificate (issued by CN=Cli Issuing CA, O=Cli): add its CA to the CA bundle (truststore build --ca) instead, or allow-list this one certificate with 'edge-certs allow'`,
    );
  });

  it('show: exit 1 when there is no entry', async () => {
    const run = await cli(['show', '--thumbprint', thumbprintOf(pki.leaf.pem)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no registry entry for thumbprint');
  });

  it('list --json and show --json print JSON that parses', async () => {
    const a = await selfSigned('json-a.pem', 'CN=json a');
    await cli(['register', '--cert', a, '--client-id', 'app-a']);
    await cli(['allow', '--cert', 'ca-signed.pem']);
    // In-process: JSON on a piped stdout is the stack-output case's child below.
    const list = await cli(['list', '--json'], { env: { REGISTRY_TABLE_NAME: table } });
    expect(list.code).toBe(0);
    const entries = JSON.parse(list.stdout) as RegistryEntry[];
    expect(entries.map((e) => [e.kind, e.status, e.subject, e.clientId])).toEqual([
      ['ca-signed', 'active', 'CN=Cli client, O=Cli', undefined],
      ['self-signed', 'active', 'CN=json a', 'app-a'],
    ]);
    const show = await cli(['show', '--cert', a, '--json']);
    expect(show.code).toBe(0);
    const entry = JSON.parse(show.stdout) as RegistryEntry;
    expect(entry.thumbprint).toBe(thumbprintOf(readFileSync(join(dir, a), 'utf8')));
    expect(entry.pem).toBe(readFileSync(join(dir, a), 'utf8'));
  });

  it('usage errors exit 2: unknown command (child process), unknown option, missing --cert', async () => {
    const runs = await Promise.all([
      spawnCli(['frobnicate', '--table', table]),
      cli(['list', '--colour']),
      cli(['register']),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0]?.stderr).toContain("unknown command 'frobnicate'");
    expect(runs[1]?.stderr).toContain("Unknown option '--colour'");
    expect(runs[2]?.stderr).toContain('--cert FILE is required');
  });

  it('two concurrent registrations of one subject DN: exactly one wins', async () => {
    const one = await selfSigned('race-1.pem', 'CN=race, O=Acme');
    const two = await selfSigned('race-2.pem', 'CN=race, O=Acme');
    const runs = await Promise.all([
      spawnCli(['register', '--cert', one, '--table', table]),
      spawnCli(['register', '--cert', two, '--table', table]),
    ]);
    expect(runs.map((r) => r.code).sort()).toEqual([0, 2]);
    expect(runs.find((r) => r.code === 2)?.stderr).toMatch(
      /subject DN (already registered|is being registered)/,
    );
    const entries = await listJson();
    expect(entries).toHaveLength(1);
    const winner = runs.findIndex((r) => r.code === 0) === 0 ? one : two;
    expect(entries[0]?.thumbprint).toBe(thumbprintOf(readFileSync(join(dir, winner), 'utf8')));
  });

  it('reads the table name from the stack output (CloudFormation stand-in) and says so when there is none', async () => {
    await createRegistryTable(server.client(), 'registry-from-stack');
    iam.deploy({ tableName: 'registry-from-stack' });
    const found = await spawnCli(['list', '--json']);
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout)).toEqual([]);
    // An identity that may describe any stack (the stand-ins' unchecked fixture credentials).
    const anyStack = PRINCIPAL_CREDENTIALS.fixture;
    const missing = await cli(['list', '--stack', 'NoSuchStack'], {
      env: { REGISTRY_TABLE_NAME: undefined },
      cloudformation: () =>
        new CloudFormationClient({ endpoint: cfn.endpoint, region: LOCAL_REGION, credentials: anyStack }),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      'edge-certs: no registry table configured: pass --table NAME or set REGISTRY_TABLE_NAME (reading the RegistryTableName output of stack NoSuchStack failed: Stack with id NoSuchStack does not exist)',
    );
    expect(cfn.calls).toEqual(['CustomerEdge', 'NoSuchStack']);
    // The operator policy reads this stack only: another one is AccessDenied, as in AWS.
    const other = await cli(['list', '--stack', 'NoSuchStack'], { env: { REGISTRY_TABLE_NAME: undefined } });
    expect(other.code).not.toBe(0);
    expect(iam.gate.denials.map((d) => `${d.action} ${d.resource.split('/')[1]}`)).toEqual([
      'cloudformation:DescribeStacks NoSuchStack',
    ]);
    iam.gate.denials.length = 0;
  });

  it('--help exits 0 on every command', async () => {
    const commands = [
      [],
      ['register'],
      ['allow'],
      ['revoke'],
      ['remove'],
      ['show'],
      ['list'],
      ['truststore', 'build'],
      ['truststore', 'check'],
    ];
    for (const command of commands) {
      const run = await cli([...command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^usage: edge-certs ${command.join(' ')}`));
    }
  });
});

describe('what happens next, and an unreachable registry', () => {
  const LOOPBACK = { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' };

  it('register, deployed registry: the builder publishes by itself (stream batch, API Gateway propagation) and how to watch it', async () => {
    const run = await cli(['register', '--cert', await selfSigned('next-1.pem', 'CN=next 1')]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('edge-certs truststore build');
    expect(run.stdout).toMatch(/^next: .*truststore builder.*5 s.*60–90 s/m);
    expect(run.stdout).toMatch(
      /^next, with the load balancer \(frontDoor=alb.*no truststore; the proxy accepts it within .*30 s/m,
    );
    expect(run.stdout).toMatch(
      /^watch: aws logs tail --follow .*--log-group-name-prefix CustomerEdge-TruststoreBuilderLogs/m,
    );
  });

  it('register, local edge (loopback endpoint): picked up within the refresh interval', async () => {
    const run = await cli(['register', '--cert', await selfSigned('next-2.pem', 'CN=next 2')], {
      env: LOOPBACK,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('edge-certs truststore build');
    expect(run.stdout).toMatch(/^next: the local edge .*refresh interval \(--refresh-ms, 2 s by default\)/m);
    expect(run.stdout).toMatch(
      /^next, with the load balancer .*--front-door alb\): no truststore; the proxy accepts it/m,
    );
    expect(run.stdout).not.toContain('aws logs');
  });

  it('revoke of a self-signed certificate: the proxy within its cache lifetime, then the truststore, deployed and local', async () => {
    const cert = await selfSigned('next-3.pem', 'CN=next 3');
    expect((await cli(['register', '--cert', cert])).code).toBe(0);
    const deployed = await cli(['revoke', '--cert', cert]);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).not.toContain('edge-certs truststore build');
    expect(deployed.stdout).toMatch(/^next: the proxy refuses it within .*30 s/m);
    expect(deployed.stdout).toMatch(/truststore builder.*60–90 s/);
    expect(deployed.stdout).toMatch(/^watch: aws logs tail/m);
    const cert2 = await selfSigned('next-4.pem', 'CN=next 4');
    expect((await cli(['register', '--cert', cert2])).code).toBe(0);
    const local = await cli(['revoke', '--cert', cert2], { env: LOOPBACK });
    expect(local.stdout).toMatch(/^next: the proxy refuses it within .*30 s/m);
    expect(local.stdout).toMatch(/local edge .*refresh interval/);
    for (const run of [deployed, local])
      expect(run.stdout).toMatch(
        /^next, with the load balancer .*no truststore; the proxy refuses it within .*30 s/m,
      );
  });

  it('an unreachable registry (ECONNREFUSED): names the endpoint tried and what to check, exit 1', async () => {
    const closed = await startRegistryServer();
    const endpoint = closed.endpoint;
    await closed.close();
    // A child process: under jest the socket error comes from another realm, and the SDK wraps it.
    const run = await spawnCli(['list', '--table', 'registry'], { AWS_ENDPOINT_URL_DYNAMODB: endpoint });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the registry at ${endpoint} (AWS_ENDPOINT_URL_DYNAMODB)`);
    expect(run.stderr).toMatch(/npm start.*--registry-port/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('register', () => {
  it('registers self-signed, active, with client id, subject, notAfter and a TTL after notAfter', async () => {
    const name = await selfSigned('reg.pem', 'CN=reg, O=Acme');
    const run = await cli(['register', '--cert', name, '--client-id', 'app-1']);
    expect(run.code).toBe(0);
    const cert = inspectCertificate(readFileSync(join(dir, name), 'utf8'));
    const { Item } = await server
      .client()
      .send(new GetItemCommand({ TableName: table, Key: { thumbprint: { S: cert.thumbprint } } }));
    expect(Item).toMatchObject({
      kind: { S: 'self-signed' },
      status: { S: 'active' },
      subject: { S: 'CN=reg, O=Acme' },
      clientId: { S: 'app-1' },
      notAfter: { S: cert.notAfter.toISOString() },
      pem: { S: cert.pem },
      expiresAt: { N: String(ttlFor(cert.notAfter)) },
    });
  });

  it('the very same certificate again: nothing changes, exit 0', async () => {
    const name = await selfSigned('same.pem', 'CN=same');
    await cli(['register', '--cert', name, '--client-id', 'first']);
    const before = await listJson();
    const again = await cli(['register', '--cert', name, '--client-id', 'second']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing changed (its client id stays first)');
    expect(await listJson()).toEqual(before);
  });

  it('a revoked certificate again: exit 2 (remove it first)', async () => {
    const name = await selfSigned('rev.pem', 'CN=rev');
    await cli(['register', '--cert', name]);
    await cli(['revoke', '--cert', name]);
    const run = await cli(['register', '--cert', name]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('this certificate is revoked: remove it first');
  });

  it('a second certificate with a registered subject DN: exit 2', async () => {
    const first = await selfSigned('dup-1.pem', 'CN=dup');
    const second = await selfSigned('dup-2.pem', 'CN=dup');
    expect((await cli(['register', '--cert', first])).code).toBe(0);
    const run = await cli(['register', '--cert', second]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `subject DN already registered by thumbprint ${thumbprintOf(readFileSync(join(dir, first), 'utf8'))}`,
    );
  });

  it('many concurrent registrations of one subject DN in one process: exactly one wins', async () => {
    const names = await Promise.all([1, 2, 3, 4, 5].map((i) => selfSigned(`burst-${i}.pem`, 'CN=burst')));
    const runs = await Promise.all(names.map((name) => cli(['register', '--cert', name])));
    expect(runs.filter((r) => r.code === 0)).toHaveLength(1);
    expect(runs.filter((r) => r.code === 2)).toHaveLength(4);
    expect(await listJson()).toHaveLength(1);
  });

  it('remove frees the subject DN for another certificate', async () => {
    const first = await selfSigned('free-1.pem', 'CN=free');
    const second = await selfSigned('free-2.pem', 'CN=free');
    await cli(['register', '--cert', first]);
    expect((await cli(['remove', '--cert', first])).code).toBe(0);
    expect((await cli(['register', '--cert', second])).code).toBe(0);
    const guard = await server
      .client()
      .send(new GetItemCommand({ TableName: table, Key: { thumbprint: { S: subjectGuardKey('CN=free') } } }));
    expect(guard.Item?.[REGISTRY_ATTRIBUTES.owner]?.S).toBe(
      thumbprintOf(readFileSync(join(dir, second), 'utf8')),
    );
  });

  it('warns about, but registers, a CA:TRUE self-signed certificate (openssl req -x509 style)', async () => {
    const name = file('ca-true.pem', opensslSelfSigned({ subject: '/CN=ca true', ca: true }));
    const run = await cli(['register', '--cert', name]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^edge-certs: warning ca-true\.pem \(CN=ca true, thumbprint .*\): CA:TRUE .*the edge rejects every certificate it signs\n$/,
    );
    expect((await listJson())[0]?.subject).toBe('CN=ca true');
  });

  describe('refusals, exit 2, nothing written', () => {
    const cases: [string, () => Promise<string>, RegExp][] = [
      ['CA-signed', async () => 'ca-signed.pem', /CA-signed certificate \(issued by CN=Cli Issuing CA/],
      [
        'unparsable',
        async () => file('junk.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
        /junk\.pem: not a parsable X\.509 certificate/,
      ],
      [
        'not a certificate at all',
        async () => file('key.pem', pki.root.keyPem),
        /key\.pem: no PEM certificate in the file/,
      ],
      [
        'several certificates in one file',
        async () => file('chain.pem', pki.caBundlePem),
        /chain\.pem: holds 2 certificates/,
      ],
      [
        'expired',
        async () =>
          file(
            'expired.pem',
            (await createCertificate({ subject: 'CN=expired', notBefore: inDays(-10), notAfter: inDays(-1) }))
              .pem,
          ),
        /expired on /,
      ],
      [
        'not yet valid',
        async () =>
          file(
            'future.pem',
            (await createCertificate({ subject: 'CN=future', notBefore: inDays(1), notAfter: inDays(10) }))
              .pem,
          ),
        /not valid before /,
      ],
      [
        'RSA under 2048 bits',
        async () =>
          file(
            'rsa1024.pem',
            (await createCertificate({ subject: 'CN=rsa1024', key: { type: 'rsa', bits: 1024 } })).pem,
          ),
        /RSA key of 1024 bits \(at least 2048 required\): API Gateway would refuse it/,
      ],
      [
        'EC under P-256 (openssl)',
        async () => file('p224.pem', opensslSelfSigned({ subject: '/CN=p224', key: 'ec:secp224r1' })),
        /EC key on curve secp224r1/,
      ],
      [
        'SHA-1 signature',
        async () => file('sha1.pem', (await createCertificate({ subject: 'CN=sha1', hash: 'SHA-1' })).pem),
        /signature algorithm ecdsa-with-SHA1 \(SHA-1\)/,
      ],
      [
        'MD5 signature (openssl)',
        async () =>
          file('md5.pem', opensslSelfSigned({ subject: '/CN=md5', key: 'rsa:2048', digest: 'md5' })),
        /md5WithRSAEncryption \(MD5\)/,
      ],
      [
        'header over 4096 bytes',
        async () =>
          file(
            'huge.pem',
            (
              await createCertificate({
                subject: 'CN=huge',
                dnsNames: Array.from({ length: 80 }, (_, i) => `name-${i}-${'y'.repeat(30)}.example.com`),
              })
            ).pem,
          ),
        /client-certificate header would be \d+ bytes; Auth0 accepts at most 4096/,
      ],
      [
        'a publicly trusted root',
        async () => file('public-root.pem', rootCertificates[0] as string),
        /is the publicly trusted root/,
      ],
    ];
    it.each(cases)('%s', async (_label, make, problem) => {
      const name = await make();
      const run = await cli(['register', '--cert', name]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^edge-certs: refused ${name.replace('.', '\\.')}`));
      expect(lines[0]).toMatch(problem);
      expect(await listJson()).toEqual([]);
    });
  });

  it('a missing file aborts the command before anything is registered, exit 2', async () => {
    const good = await selfSigned('present.pem', 'CN=present');
    const run = await cli(['register', '--cert', good, '--cert', 'nope.pem']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('edge-certs: nope.pem: cannot read (ENOENT)\n');
    expect(await listJson()).toEqual([]);
  });

  it('bulk: a directory plus a file, with progress, a summary of reasons, exit 2 when any is refused', async () => {
    mkdirSync(join(dir, 'bulk'));
    await selfSigned('bulk/a.pem', 'CN=bulk a');
    await selfSigned('bulk/b.crt', 'CN=bulk b');
    writeFileSync(join(dir, 'bulk/c.pem'), pki.leaf.pem);
    writeFileSync(join(dir, 'bulk/notes.txt'), 'not a certificate file');
    const extra = await selfSigned('bulk-extra.pem', 'CN=bulk a'); // same subject as bulk/a.pem
    const run = await cli(['register', '--cert', 'bulk', '--cert', extra, '--client-id', 'bulk-app']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^\[1\/4\] registered bulk\/a\.pem \(CN=bulk a, /m);
    expect(run.stdout).toMatch(/^\[2\/4\] registered bulk\/b\.crt \(CN=bulk b, /m);
    expect(run.stderr).toMatch(/^edge-certs: \[3\/4\] refused bulk\/c\.pem .*CA-signed certificate/m);
    expect(run.stderr).toMatch(
      /^edge-certs: \[4\/4\] refused bulk-extra\.pem .*subject DN already registered/m,
    );
    expect(run.stdout).toContain('summary: 4 files, 2 registered, 0 already registered, 2 refused');
    expect(run.stdout).toMatch(/^ {2}refused bulk\/c\.pem .*CA-signed/m);
    expect((await listJson()).map((e) => [e.subject, e.clientId])).toEqual([
      ['CN=bulk a', 'bulk-app'],
      ['CN=bulk b', 'bulk-app'],
    ]);
  });

  it('bulk: an all-good batch exits 0', async () => {
    const a = await selfSigned('ok-a.pem', 'CN=ok a');
    const b = await selfSigned('ok-b.der', 'CN=ok b');
    writeFileSync(join(dir, b), inspectCertificate(readFileSync(join(dir, b), 'utf8')).der); // DER works too
    const run = await cli(['register', '--cert', a, '--cert', b]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('summary: 2 files, 2 registered, 0 already registered, 0 refused');
  });
});

describe('allow', () => {
  it('records a CA-signed certificate as ca-signed, active; again changes nothing', async () => {
    const run = await cli(['allow', '--cert', 'ca-signed.pem', '--client-id', 'partner']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^allowed ca-signed\.pem \(CN=Cli client, O=Cli, thumbprint .*\), client id partner$/m,
    );
    expect((await listJson()).map((e) => [e.kind, e.status, e.clientId])).toEqual([
      ['ca-signed', 'active', 'partner'],
    ]);
    expect((await cli(['allow', '--cert', 'ca-signed.pem'])).code).toBe(0);
  });

  it.each([
    [
      'self-signed',
      async () => selfSigned('allow-self.pem', 'CN=allow self'),
      /self-signed certificate: register it/,
    ],
    ['unparsable', async () => file('allow-junk.pem', 'garbage'), /not a parsable/],
    [
      'expired',
      async () =>
        file(
          'allow-expired.pem',
          (
            await createCertificate({
              subject: 'CN=old leaf',
              issuer: pki.intermediate,
              notBefore: inDays(-9),
              notAfter: inDays(-1),
            })
          ).pem,
        ),
      /expired on/,
    ],
  ])('refuses %s, exit 2', async (_label, make, problem) => {
    const run = await cli(['allow', '--cert', await make()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(problem);
    expect(await listJson()).toEqual([]);
  });
});

describe('revoke, remove, show, list', () => {
  it('revoke sets status=revoked by thumbprint (hex fingerprint accepted)', async () => {
    const name = await selfSigned('r1.pem', 'CN=r1');
    await cli(['register', '--cert', name]);
    const hex = inspectCertificate(readFileSync(join(dir, name), 'utf8')).x509.fingerprint256;
    const run = await cli(['revoke', '--thumbprint', hex]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^revoked: CN=r1, thumbprint .*, self-signed, revoked$/m);
    expect((await listJson())[0]?.status).toBe('revoked');
  });

  it('revoke --cert creates a revoked ca-signed entry when none exists', async () => {
    const run = await cli(['revoke', '--cert', 'ca-signed.pem']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('recorded as revoked (no entry existed)');
    expect((await listJson()).map((e) => [e.kind, e.status, e.subject])).toEqual([
      ['ca-signed', 'revoked', 'CN=Cli client, O=Cli'],
    ]);
  });

  it('revoke --thumbprint with no entry: exit 1; neither or both selectors: exit 2; a bad thumbprint: exit 2', async () => {
    expect((await cli(['revoke', '--thumbprint', thumbprintOf(pki.leaf.pem)])).code).toBe(1);
    expect((await cli(['revoke'])).code).toBe(2);
    expect(
      (await cli(['revoke', '--cert', 'ca-signed.pem', '--thumbprint', thumbprintOf(pki.leaf.pem)])).code,
    ).toBe(2);
    const bad = await cli(['revoke', '--thumbprint', 'not-a-thumbprint']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not an x5t#S256 thumbprint');
  });

  it('a thumbprint that starts with "-" (one in 64) is a value, not an option; an option after --cert is still an option', async () => {
    // Found by a flaky test: node's parseArgs refuses "--thumbprint -abc…" as ambiguous (exit 2).
    const cert = resignUntil(await createCertificate({ subject: 'CN=dash' }), (der) =>
      thumbprintOfDer(der).startsWith('-'),
    );
    const name = file('dash.pem', cert.pem);
    expect((await cli(['register', '--cert', name])).code).toBe(0);
    const thumbprint = thumbprintOf(cert.pem);
    const shown = await cli(['show', '--thumbprint', thumbprint, '--json']);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(shown.stdout) as RegistryEntry).thumbprint).toBe(thumbprint);
    expect(await cli(['revoke', '--thumbprint', thumbprint])).toMatchObject({ code: 0 });
    expect(await cli(['remove', '--thumbprint', thumbprint])).toMatchObject({ code: 0 });
    const missing = await cli(['show', '--thumbprint', thumbprint]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no registry entry for thumbprint ${thumbprint}`);

    const noValue = await cli(['show', '--cert', '--json']);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toContain("Option '--cert' argument is ambiguous");
  });

  it('remove deletes the entry; removing again exits 1', async () => {
    await cli(['allow', '--cert', 'ca-signed.pem']);
    const run = await cli(['remove', '--thumbprint', thumbprintOf(pki.leaf.pem)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^removed: CN=Cli client, O=Cli/);
    expect(await listJson()).toEqual([]);
    expect((await cli(['remove', '--cert', 'ca-signed.pem'])).code).toBe(1);
  });

  it('show prints the entry for people', async () => {
    const name = await selfSigned('show.pem', 'CN=show me');
    await cli(['register', '--cert', name, '--client-id', 'app-s']);
    const run = await cli(['show', '--cert', name]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^kind {10}self-signed$/m);
    expect(run.stdout).toMatch(/^client id {5}app-s$/m);
    expect(run.stdout).toMatch(/^deleted after .*\(TTL\)$/m);
    expect(run.stdout).toContain('-----BEGIN CERTIFICATE-----');
  });

  it('list: a table by default, filters by client id, kind and status; bad filter values exit 2', async () => {
    const a = await selfSigned('l-a.pem', 'CN=list a');
    const b = await selfSigned('l-b.pem', 'CN=list b');
    await cli(['register', '--cert', a, '--client-id', 'app-a']);
    await cli(['register', '--cert', b, '--client-id', 'app-b']);
    await cli(['revoke', '--cert', b]);
    await cli(['allow', '--cert', 'ca-signed.pem', '--client-id', 'app-a']);
    const all = await cli(['list']);
    expect(all.stdout.split('\n')[0]).toMatch(/^THUMBPRINT +KIND +STATUS +NOT AFTER +CLIENT ID +SUBJECT$/);
    expect(all.stdout).toContain('3 entries');
    const subjects = async (...args: string[]): Promise<string[]> =>
      (JSON.parse((await cli(['list', '--json', ...args])).stdout) as RegistryEntry[]).map((e) => e.subject);
    expect(await subjects('--client-id', 'app-a')).toEqual(['CN=Cli client, O=Cli', 'CN=list a']);
    expect(await subjects('--kind', 'self-signed')).toEqual(['CN=list a', 'CN=list b']);
    expect(await subjects('--status', 'revoked')).toEqual(['CN=list b']);
    expect(await subjects('--kind', 'self-signed', '--status', 'active', '--client-id', 'app-a')).toEqual([
      'CN=list a',
    ]);
    expect((await cli(['list', '--kind', 'weird'])).code).toBe(2);
    expect((await cli(['list', '--status', 'gone'])).code).toBe(2);
  });

  it('--table before or after the command; a missing table exits 1', async () => {
    const name = await selfSigned('t.pem', 'CN=t');
    await cli(['register', '--cert', name]);
    const before = await cli(['--table', table, 'list', '--json'], {
      env: { REGISTRY_TABLE_NAME: 'elsewhere' },
    });
    const after = await cli(['list', '--json', '--table', table], {
      env: { REGISTRY_TABLE_NAME: 'elsewhere' },
    });
    expect(JSON.parse(before.stdout)).toHaveLength(1);
    expect(after.stdout).toBe(before.stdout);
    // A stack whose table is gone: the operator may read it, it is not there.
    iam.deploy({ tableName: 'no-such-table' });
    const missing = await cli(['list'], { env: { REGISTRY_TABLE_NAME: 'no-such-table' } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^edge-certs: registry table not found/);
  });
});

describe('entries the truststore leaves out (issue 12: one bad registration must not freeze the TLS layer)', () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server([DEPLOYED_BUCKET]);
  });
  beforeEach(() => {
    // The operators' policy of a stack whose truststore bucket is this one (it may read truststore.pem).
    iam.deploy({ tableName: table, bucket: DEPLOYED_BUCKET });
  });
  afterEach(() => {
    delete stacks.CustomerEdge!.TruststoreBucketName;
  });
  /** The deployed stack now has its truststore bucket output. */
  const deployStack = (): void => {
    stacks.CustomerEdge!.TruststoreBucketName = DEPLOYED_BUCKET;
  };
  /** The CLI's S3 client, as an operator with the stack's policy. */
  const operatorS3 = (): S3Client => s3.client(OPERATOR);
  afterAll(async () => {
    await s3.close();
  });

  /** The deployed truststore object: the CA bundle plus these registered certificates. */
  async function deploy(...registered: string[]): Promise<void> {
    const body = pki.caBundlePem + registered.map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    await s3
      .client()
      .send(new PutObjectCommand({ Bucket: DEPLOYED_BUCKET, Key: 'truststore.pem', Body: body }));
  }

  it('register --ca refuses up front a self-signed certificate whose subject DN is a CA’s; an ordinary one is registered', async () => {
    const clash = await selfSigned('ca-clash.pem', 'CN=Cli Issuing CA, O=Cli');
    const fine = await selfSigned('ca-fine.pem', 'CN=ca fine');
    const run = await cli(['register', '--ca', 'ca-bundle.pem', '--cert', clash, '--cert', fine]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /refused ca-clash\.pem \(CN=Cli Issuing CA, O=Cli, .*\): the truststore would leave it out: has the same subject DN as the CA bundle's certificate CN=Cli Issuing CA, O=Cli$/m,
    );
    expect((await listJson()).map((e) => e.subject)).toEqual(['CN=ca fine']);
  });

  it('register without --ca checks against the deployed truststore (stack output, S3 object)', async () => {
    const registered = await selfSigned('deployed-ok.pem', 'CN=deployed ok');
    expect((await cli(['register', '--cert', registered])).code).toBe(0);
    await deploy(registered);
    deployStack();
    const clash = await selfSigned('deployed-clash.pem', 'CN=Cli Root CA, O=Cli');
    const again = await cli(['register', '--cert', registered], {
      s3: operatorS3,
    });
    expect(again.code).toBe(0); // a registered certificate is no objection to itself
    const run = await cli(['register', '--cert', clash], {
      s3: operatorS3,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `the truststore would leave it out: has the same subject DN as the deployed truststore (s3://${DEPLOYED_BUCKET}/truststore.pem)'s certificate CN=Cli Root CA, O=Cli`,
    );
  });

  it("register says when it could not read the deployed stack's outputs, and registers without that check", async () => {
    // A port nothing listens on: CloudFormation is unreachable (as with no network, or a denied call).
    const closed = await closedPortUrl();
    const unreachable = (): CloudFormationClient =>
      new CloudFormationClient({
        endpoint: closed,
        region: LOCAL_REGION,
        credentials: OPERATOR,
        maxAttempts: 1,
      });
    const cert = await selfSigned('no-outputs.pem', 'CN=no outputs');
    const run = await cli(['register', '--cert', cert], { cloudformation: unreachable });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^edge-certs: note: reading the outputs of stack CustomerEdge failed: .*; pass --ca FILE to check against the CA bundle$/m,
    );
    expect(run.stdout).toMatch(/^registered no-outputs\.pem/m);
  });

  it('list and show name each entry the truststore leaves out, and why (--ca, or the deployed truststore)', async () => {
    const good = await selfSigned('lo-good.pem', 'CN=lo good');
    expect((await cli(['register', '--cert', good])).code).toBe(0);
    // Registered before anything could object: a clash with a CA, an entry whose PEM is gone, an item
    // without subject (written straight to the table, as an old tool or a hand edit would).
    const clash = await selfSigned('lo-clash.pem', 'CN=Cli Root CA, O=Cli');
    expect((await cli(['register', '--cert', clash])).code).toBe(0);
    const client = server.client();
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          thumbprint: { S: 'n'.repeat(43) },
          kind: { S: 'self-signed' },
          status: { S: 'active' },
          subject: { S: 'CN=no pem' },
          notAfter: { S: inDays(30).toISOString() },
        },
      }),
    );
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { thumbprint: { S: 's'.repeat(43) }, kind: { S: 'self-signed' }, status: { S: 'active' } },
      }),
    );

    const list = await cli(['list', '--ca', 'ca-bundle.pem']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^left out of the truststore \(3\):$/m);
    expect(list.stdout).toMatch(
      new RegExp(
        `^  ${thumbprintOf(readFileSync(join(dir, clash), 'utf8'))}  CN=Cli Root CA, O=Cli: has the same subject DN as the CA bundle's certificate CN=Cli Root CA, O=Cli$`,
        'm',
      ),
    );
    expect(list.stdout).toMatch(new RegExp(`^  ${'n'.repeat(43)}  CN=no pem: the entry has no PEM`, 'm'));
    expect(list.stdout).toMatch(
      new RegExp(`^  ${'s'.repeat(43)}  \\(no subject\\): the entry has no subject and no notAfter`, 'm'),
    );
    expect(list.stdout).not.toMatch(/CN=lo good:/);

    const json = JSON.parse((await cli(['list', '--ca', 'ca-bundle.pem', '--json'])).stdout) as Array<
      RegistryEntry & { truststoreExclusion?: { code: string } }
    >;
    expect(Object.fromEntries(json.map((e) => [e.subject, e.truststoreExclusion?.code]))).toEqual({
      'CN=Cli Root CA, O=Cli': 'duplicate-subject',
      'CN=no pem': 'missing-pem',
      'CN=lo good': undefined,
    });

    const shown = await cli(['show', '--ca', 'ca-bundle.pem', '--cert', clash]);
    expect(shown.stdout).toMatch(
      /^truststore {4}LEFT OUT: has the same subject DN as the CA bundle's certificate/m,
    );
    const fine = await cli(['show', '--ca', 'ca-bundle.pem', '--cert', good]);
    expect(fine.stdout).toMatch(/^truststore {4}in the truststore$/m);

    // The same from the deployed truststore (it holds the CA bundle and the good entry).
    await deploy(good);
    deployStack();
    const deployed = await cli(['list'], { s3: operatorS3 });
    expect(deployed.stdout).toMatch(/^left out of the truststore \(3\):$/m);
    expect(deployed.stdout).toContain(
      "has the same subject DN as the CA bundle's certificate CN=Cli Root CA, O=Cli",
    );
  });
});

describe('truststore build', () => {
  it('writes the CA bundle plus active, unexpired self-signed certificates, with a summary', async () => {
    const active = await selfSigned('ts-active.pem', 'CN=ts active');
    const revoked = await selfSigned('ts-revoked.pem', 'CN=ts revoked');
    const expiring = await createCertificate({
      subject: 'CN=ts expired',
      notBefore: inDays(-10),
      notAfter: inDays(-1),
    });
    file('ts-expired.pem', expiring.pem);
    await cli(['register', '--cert', active]);
    await cli(['register', '--cert', revoked]);
    await cli(['revoke', '--cert', revoked]);
    expect((await cli(['register', '--cert', 'ts-expired.pem'], { now: inDays(-5) })).code).toBe(0);
    await cli(['allow', '--cert', 'ca-signed.pem']);

    const run = await cli(['truststore', 'build', '--ca', 'ca-bundle.pem', '--out', 'truststore.pem']);
    expect(run.code).toBe(0);
    const written = readFileSync(join(dir, 'truststore.pem'), 'utf8');
    expect(written).toBe(pki.caBundlePem + readFileSync(join(dir, active), 'utf8'));
    expect(run.stdout).toContain(`registry ${table}: 1 active self-signed certificate(s), 1 left out`);
    expect(run.stdout).toMatch(/^LEFT OUT expired: .* \(CN=ts expired\): expired on /m);
    expect(run.stdout).toMatch(
      new RegExp(
        `^truststore: 3 certificates, ${Buffer.byteLength(written)} bytes, earliest expiry \\d{4}-.* \\(CN=ts active\\)$`,
        'm',
      ),
    );
    expect(run.stdout).toContain('result: OK (0 error(s), 0 warning(s))');
  });

  it('without --out: the truststore on stdout, the report on stderr', async () => {
    const run = await cli(['truststore', 'build', '--ca', 'ca-bundle.pem']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(pki.caBundlePem);
    expect(run.stderr).toContain('result: OK');
  });

  it('leaves out a registry entry the checks refuse (its subject DN is a CA’s), says why, and writes the rest', async () => {
    const clash = await selfSigned('clash.pem', 'CN=Cli Root CA, O=Cli');
    const fine = await selfSigned('fine.pem', 'CN=fine');
    await cli(['register', '--cert', clash]);
    await cli(['register', '--cert', fine]);
    const run = await cli(['truststore', 'build', '--ca', 'ca-bundle.pem', '--out', 'partial.pem']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^LEFT OUT duplicate-subject: \S+ \(CN=Cli Root CA, O=Cli\): has the same subject DN as the CA bundle's certificate CN=Cli Root CA, O=Cli$/m,
    );
    expect(readFileSync(join(dir, 'partial.pem'), 'utf8')).toBe(
      pki.caBundlePem + readFileSync(join(dir, fine), 'utf8'),
    );
  });

  it('refuses (exit 2) and writes nothing when the CA bundle itself fails a check', async () => {
    file('bad-bundle.pem', pki.caBundlePem + pki.leaf.pem);
    const run = await cli(['truststore', 'build', '--ca', 'bad-bundle.pem', '--out', 'refused.pem']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^ERROR {3}not-a-ca: certificate #3 /m);
    expect(run.stdout).toContain('truststore NOT written');
    expect(existsSync(join(dir, 'refused.pem'))).toBe(false);
  });

  it('refuses a CA bundle without certificates, and a missing --ca', async () => {
    file('empty-bundle.pem', '# nothing\n');
    const empty = await cli(['truststore', 'build', '--ca', 'empty-bundle.pem', '--out', 'x.pem']);
    expect(empty.code).toBe(2);
    expect(empty.stdout).toContain('ERROR   no-ca: the CA bundle holds no certificate');
    expect((await cli(['truststore', 'build'])).code).toBe(2);
    expect((await cli(['truststore', 'build', '--ca', 'missing.pem'])).code).toBe(2);
  });

  it('--allow-public-ca lets a public root through, loudly', async () => {
    file('public-bundle.pem', pki.caBundlePem + (rootCertificates[0] as string));
    const refused = await cli([
      'truststore',
      'build',
      '--ca',
      'public-bundle.pem',
      '--out',
      'p.pem',
      '--no-registry',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/^ERROR {3}public-ca: /m);
    const allowed = await cli([
      'truststore',
      'build',
      '--ca',
      'public-bundle.pem',
      '--out',
      'p.pem',
      '--no-registry',
      '--allow-public-ca',
    ]);
    // The real root may carry an old SHA-1 signature or a short expiry; public-ca itself is now a warning.
    expect(allowed.stdout).toMatch(/^WARNING public-ca: PUBLIC CA ALLOWED: /m);
    expect(allowed.stdout).toContain(
      '!!! --allow-public-ca: this truststore trusts a PUBLIC certificate authority.',
    );
    expect(allowed.stdout).not.toMatch(/^ERROR {3}public-ca/m);
  });

  it('--no-registry builds from the CA bundle alone without asking for a table', async () => {
    const run = await cli(
      ['truststore', 'build', '--ca', 'ca-bundle.pem', '--out', 'ca-only.pem', '--no-registry'],
      {
        env: { REGISTRY_TABLE_NAME: '' },
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('registry: not read (--no-registry)');
    expect(readFileSync(join(dir, 'ca-only.pem'), 'utf8')).toBe(pki.caBundlePem);
  });
});

describe('truststore check', () => {
  it('passes a clean file with exit 0 and a summary', async () => {
    const client = await selfSigned('check-client.pem', 'CN=check client');
    file('clean.pem', pki.caBundlePem + readFileSync(join(dir, client), 'utf8'));
    const run = await cli(['truststore', 'check', 'clean.pem']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^truststore: 3 certificates, \d+ bytes, earliest expiry /m);
    expect(run.stdout).toContain('result: OK (0 error(s), 0 warning(s))');
  });

  const rsa = { type: 'rsa' as const, bits: 2048 };
  const errors: [string, () => Promise<string>][] = [
    [
      'unparsable',
      async () => pki.caBundlePem + '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    ],
    ['not-a-ca', async () => pki.caBundlePem + pki.leaf.pem],
    [
      'issuer-not-ca',
      async () => {
        const notCa = await createCertificate({ subject: 'CN=leafy issuer', notAfter: inDays(200) });
        const child = await createCertificate({
          subject: 'CN=leafy child',
          issuer: notCa,
          ca: true,
          notAfter: inDays(100),
        });
        return notCa.pem + child.pem;
      },
    ],
    ['public-ca', async () => pki.caBundlePem + (rootCertificates[0] as string)],
    [
      'weak-key',
      async () =>
        (
          await createCertificate({
            subject: 'CN=small',
            key: { type: 'rsa', bits: 1024 },
            ca: true,
            notAfter: inDays(99),
          })
        ).pem,
    ],
    [
      'weak-signature',
      async () => opensslSelfSigned({ subject: '/CN=md5 ca', key: 'rsa:2048', digest: 'md5', ca: true }),
    ],
    [
      'expired',
      async () =>
        (
          await createCertificate({
            subject: 'CN=gone',
            ca: true,
            key: rsa,
            notBefore: inDays(-9),
            notAfter: inDays(-1),
          })
        ).pem,
    ],
    [
      'duplicate-subject',
      async () =>
        pki.caBundlePem +
        (await createCertificate({ subject: 'CN=Cli Issuing CA, O=Cli', ca: true, notAfter: inDays(99) }))
          .pem,
    ],
    // Size alone: the same small bundle repeated past 1,000,000 bytes (the unit tests use distinct certificates).
    ['too-large', async () => pki.caBundlePem.repeat(Math.ceil(1_000_000 / pki.caBundlePem.length))],
  ];
  it.each(errors)('%s: printed with its certificate, exit 2', async (code, make) => {
    file(`check-${code}.pem`, await make());
    const run = await cli(['truststore', 'check', `check-${code}.pem`]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(new RegExp(`^ERROR {3}${code}: `, 'm'));
    expect(run.stdout).toMatch(/^result: REFUSED \(\d+ error\(s\), \d+ warning\(s\)\)$/m);
  });

  it.each([
    [
      'expiring-soon',
      async () =>
        pki.caBundlePem + (await createCertificate({ subject: 'CN=soon', notAfter: inDays(5) })).pem,
    ],
    ['missing-issuer', async () => pki.intermediate.pem],
  ] as [string, () => Promise<string>][])('%s: a warning, exit 0', async (code, make) => {
    file(`check-${code}.pem`, await make());
    const run = await cli(['truststore', 'check', `check-${code}.pem`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^WARNING ${code}: certificate #\\d+ \\(CN=`, 'm'));
    expect(run.stdout).toContain('result: OK (0 error(s), 1 warning(s))');
  });

  it('a missing file or a missing argument exits 2', async () => {
    expect((await cli(['truststore', 'check', 'nope.pem'])).code).toBe(2);
    expect((await cli(['truststore', 'check'])).code).toBe(2);
  });
});
