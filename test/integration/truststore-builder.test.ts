/**
 * The truststore builder for real against dynalite (DynamoDB) and s3rver (S3, behind the stand-in's
 * gateway that adds versioning, conditional writes and S3's 403-versus-404 rule), both started here on
 * port 0, with IAM from the synthesized template enforced on every call the builder makes (its role's
 * policies; a denial fails the file even when the builder swallowed it). What is not real, and why:
 * - API Gateway's control plane (GetDomainName / UpdateDomainName) has no local stand-in: SDK mock, which
 *   checks each call against the builder role too (apigateway:GET / PATCH on the domain, and the
 *   s3:GetObjectVersion API Gateway requires of the caller for the truststore version it names).
 * CloudFormation's response URL is a real local HTTP server.
 */
import {
  APIGatewayClient,
  type APIGatewayClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  GetDomainNameCommand,
  UpdateDomainNameCommand,
  type GetDomainNameCommandOutput,
} from '@aws-sdk/client-api-gateway';
import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { createServer, type Server } from 'node:http';
import { inspectCertificate, splitPemBlocks } from '../../shared/certificate';
import { itemFromEntry, ttlFor, type RegistryEntry } from '../../shared/registry-model';
import {
  BuilderMetric,
  INSPECT_ACTION,
  TRUSTSTORE_KEY,
  TRUSTSTORE_STATE_KEY,
} from '../../shared/contracts/truststore-builder';
import {
  SHA256_METADATA_KEY,
  readState,
  syncTruststore,
  type BuilderDeps,
} from '../../lambda/truststore-builder/core';
import { createHandler, type CustomResourceResult } from '../../lambda/truststore-builder/handler';
import { close, listen } from '../../stand-ins/listen';
import { createCertificate, createTestPki, type IssuedCertificate, type TestPki } from '../../stand-ins/pki';
import {
  LOCAL_REGION,
  createRegistryTable,
  startRegistryServer,
  type RegistryServer,
} from '../../stand-ins/registry-server';
import { startS3Server, type S3Server } from '../../stand-ins/s3-server';
import { useTemplateIam } from '../support/iam';

const DOMAIN = 'mtls.auth.example.com';
const DOMAIN_ARN = `arn:aws:apigateway:${LOCAL_REGION}::/domainnames/${DOMAIN}`;

const iam = useTemplateIam();
let registry: RegistryServer;
let s3server: S3Server;
let pki: TestPki;
let counter = 0;

beforeAll(async () => {
  [registry, s3server, pki] = await Promise.all([
    startRegistryServer(),
    startS3Server([], {
      versioned: (bucket) => !bucket.startsWith('unversioned'),
      versioningDelayWrites: { 'late-versioning': 2 },
    }),
    createTestPki('Builder'),
  ]);
}, 600_000);

afterAll(async () => {
  await Promise.all([registry?.close(), s3server?.close()]);
});

type LogLine = { level: string; message: string; data?: Record<string, unknown> };

interface Harness {
  readonly deps: BuilderDeps;
  readonly bucket: string;
  /** The tests' own (unchecked) S3 client. */
  readonly s3: S3Client;
  readonly apigateway: AwsStub<ServiceInputTypes, ServiceOutputTypes, APIGatewayClientResolvedConfig>;
  readonly metrics: Map<string, number>;
  readonly logs: LogLine[];
  /** Pauses the builder asked for (its sleep is injected: tests never wait for clocks). */
  readonly pauses: number[];
  /** What the SDK-mocked domain currently points at. */
  domainVersion(): string | undefined;
  /** Another builder (own clients, same deployment): a concurrent invocation of the function. */
  another(options?: { holdScan?: Promise<void>; onScanned?: () => void }): BuilderDeps;
  add(entry: RegistryEntry): Promise<void>;
  remove(thumbprint: string): Promise<void>;
  object(): Promise<{ body: string; versionId?: string; sha256?: string }>;
  /** The truststore text of one version. */
  versionBody(versionId: string | undefined): string;
}

/**
 * A fresh deployment per test: its own table and bucket, the builder role's policies resolved against
 * them, and API Gateway as an SDK mock that remembers the version it was given.
 */
async function harness(
  options: { bucket?: string; exactBucket?: string; warnings?: string[]; initialVersion?: string } = {},
): Promise<Harness> {
  counter += 1;
  const tableName = `registry-${counter}`;
  const bucket = options.exactBucket ?? `${options.bucket ?? 'truststore'}-${counter}`;
  const fixtureDynamo = registry.client();
  await createRegistryTable(fixtureDynamo, tableName);
  const fixtureS3 = s3server.client();
  await fixtureS3.send(new CreateBucketCommand({ Bucket: bucket }));
  const builderKey = `builder-${counter}`;
  const credentials = iam.deploy({ tableName, bucket }, { builder: builderKey }).builder;

  const client = new APIGatewayClient({ region: LOCAL_REGION, credentials });
  const apigateway = mockClient(client);
  let version: string | undefined = options.initialVersion ?? 'v-deployed';
  const domain = (): GetDomainNameCommandOutput => ({
    $metadata: {},
    domainName: DOMAIN,
    domainNameStatus: 'AVAILABLE',
    mutualTlsAuthentication: {
      truststoreUri: `s3://${bucket}/${TRUSTSTORE_KEY}`,
      truststoreVersion: version,
      truststoreWarnings: options.warnings,
    },
  });
  const authorize = async (action: string, resource: string): Promise<void> => {
    const decision = await iam.gate.authorize({ accessKeyId: builderKey, action, resource });
    if (!decision.allowed) {
      throw Object.assign(new Error(`not authorized to perform ${action} on ${resource}`), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      });
    }
  };
  apigateway.on(GetDomainNameCommand).callsFake(async () => {
    await authorize('apigateway:GET', DOMAIN_ARN);
    return domain();
  });
  apigateway
    .on(UpdateDomainNameCommand)
    .callsFake(async (input: { patchOperations?: { value?: string }[] }) => {
      await authorize('apigateway:PATCH', DOMAIN_ARN);
      // API Gateway reads the named version with the caller's permissions.
      await authorize('s3:GetObjectVersion', `arn:aws:s3:::${bucket}/${TRUSTSTORE_KEY}`);
      version = input.patchOperations?.[0]?.value;
      return domain();
    });

  const metrics = new Map<string, number>();
  const logs: LogLine[] = [];
  const pauses: number[] = [];
  const depsWith = (dynamodb: DynamoDBClient, s3: S3Client): BuilderDeps => ({
    dynamodb,
    s3,
    apigateway: client,
    tableName,
    bucket,
    key: TRUSTSTORE_KEY,
    stateKey: TRUSTSTORE_STATE_KEY,
    domainName: DOMAIN,
    caBundlePem: pki.caBundlePem,
    log: {
      info: (message, data) => logs.push({ level: 'info', message, data }),
      warn: (message, data) => logs.push({ level: 'warn', message, data }),
      error: (message, data) => logs.push({ level: 'error', message, data }),
    },
    metrics: { count: (name, value) => metrics.set(name, (metrics.get(name) ?? 0) + value) },
    sleep: async (ms) => {
      pauses.push(ms);
    },
  });
  const deps = depsWith(registry.client(credentials), s3server.client(credentials));
  return {
    deps,
    bucket,
    s3: fixtureS3,
    apigateway,
    metrics,
    logs,
    pauses,
    domainVersion: () => version,
    another: (more = {}) => {
      const dynamodb = registry.client(credentials);
      const held = more.holdScan;
      if (held) {
        // The Scan's answer (already read from the table) is held back: this build's view of the
        // registry goes stale while others run.
        dynamodb.middlewareStack.add(
          (next, context) => async (args) => {
            const result = await next(args);
            if ((context as { commandName?: string }).commandName === 'ScanCommand') {
              more.onScanned?.();
              await held;
            }
            return result;
          },
          { step: 'deserialize', name: 'holdScan' },
        );
      }
      return depsWith(dynamodb, s3server.client(credentials));
    },
    add: async (entry) => {
      await fixtureDynamo.send(new PutItemCommand({ TableName: tableName, Item: itemFromEntry(entry) }));
    },
    remove: async (thumbprint) => {
      await fixtureDynamo.send(
        new DeleteItemCommand({ TableName: tableName, Key: { thumbprint: { S: thumbprint } } }),
      );
    },
    object: async () => {
      const got = await fixtureS3.send(new GetObjectCommand({ Bucket: bucket, Key: TRUSTSTORE_KEY }));
      const head = await fixtureS3.send(new HeadObjectCommand({ Bucket: bucket, Key: TRUSTSTORE_KEY }));
      return {
        body: (await got.Body?.transformToString()) ?? '',
        versionId: head.VersionId,
        sha256: head.Metadata?.[SHA256_METADATA_KEY],
      };
    },
    versionBody: (versionId) => {
      const body = versionId ? s3server.version(bucket, TRUSTSTORE_KEY, versionId) : undefined;
      if (!body) throw new Error(`no version ${versionId} of the truststore`);
      return body.toString('utf8');
    },
  };
}

/** Waits for a condition (never for a clock). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** A CloudFormation Update of the truststore custom resource, answered to `cfnSink` (kept in `cfnAnswers`). */
function cfnEventFor(requestType: 'Update'): CloudFormationCustomResourceEvent {
  return {
    RequestType: requestType,
    ServiceToken: 'x',
    ResponseURL: cfnSink,
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/CustomerEdge/1',
    RequestId: 'race',
    LogicalResourceId: 'TruststoreVersion',
    ResourceType: 'Custom::Truststore',
    PhysicalResourceId: 's3://truststore/truststore.pem',
    ResourceProperties: { ServiceToken: 'x' },
    OldResourceProperties: { ServiceToken: 'x' },
  };
}

let cfnSink = '';
let sinkServer: Server;
/** What the builder answered CloudFormation for the events of `cfnEventFor`. */
const cfnAnswers: CustomResourceResult[] = [];
beforeAll(async () => {
  sinkServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      cfnAnswers.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CustomResourceResult);
      res.end();
    });
  });
  cfnSink = `http://127.0.0.1:${await listen(sinkServer)}/`;
});
afterAll(async () => {
  await close(sinkServer);
});

function entryOf(
  cert: IssuedCertificate,
  kind: RegistryEntry['kind'],
  status: RegistryEntry['status'],
): RegistryEntry {
  const inspected = inspectCertificate(cert.pem);
  return {
    thumbprint: inspected.thumbprint,
    kind,
    status,
    pem: cert.pem,
    subject: inspected.subject,
    notAfter: inspected.notAfter.toISOString(),
    expiresAt: ttlFor(inspected.notAfter),
  };
}

function thumbprintsIn(pem: string): string[] {
  return splitPemBlocks(pem).map((block) => inspectCertificate(block).thumbprint);
}

const thumb = (cert: IssuedCertificate): string => inspectCertificate(cert.pem).thumbprint;

describe('truststore builder: dynalite registry + s3rver bucket (VersionId adapter) + API Gateway SDK mock', () => {
  it('builds CA bundle + active self-signed entries only, publishes it and points the domain at the new version', async () => {
    const h = await harness();
    const active = await createCertificate({ subject: 'CN=client-active, O=Acme' });
    const revoked = await createCertificate({ subject: 'CN=client-revoked, O=Acme' });
    await h.add(entryOf(active, 'self-signed', 'active'));
    await h.add(entryOf(revoked, 'self-signed', 'revoked'));
    await h.add(entryOf(pki.leaf, 'ca-signed', 'active'));

    const { build, domain } = await syncTruststore(h.deps);

    expect(build.status).toBe('published');
    const object = await h.object();
    expect(thumbprintsIn(object.body)).toEqual([thumb(pki.root), thumb(pki.intermediate), thumb(active)]);
    expect(build.status === 'published' && build.versionId).toBe(object.versionId);
    expect(domain?.updated).toBe(true);
    expect(h.domainVersion()).toBe(object.versionId);
    expect(h.apigateway.commandCalls(UpdateDomainNameCommand)[0]?.args[0].input).toEqual({
      domainName: DOMAIN,
      patchOperations: [
        { op: 'replace', path: '/mutualTlsAuthentication/truststoreVersion', value: object.versionId },
      ],
    });
    expect(h.metrics.get(BuilderMetric.Published)).toBe(1);
  });

  it('writes a new version when the registry changes (registration, then removal)', async () => {
    const h = await harness();
    await syncTruststore(h.deps);
    const first = await h.object();
    const client = await createCertificate({ subject: 'CN=client-new, O=Acme' });

    await h.add(entryOf(client, 'self-signed', 'active'));
    await syncTruststore(h.deps);
    const second = await h.object();
    await h.remove(thumb(client));
    await syncTruststore(h.deps);
    const third = await h.object();

    expect(thumbprintsIn(second.body)).toContain(thumb(client));
    expect(second.versionId).not.toBe(first.versionId);
    expect(thumbprintsIn(third.body)).not.toContain(thumb(client));
    expect(third.versionId).not.toBe(second.versionId);
    expect(h.domainVersion()).toBe(third.versionId);
  });

  it('publishes nothing and leaves the domain alone when the registry did not change', async () => {
    const h = await harness();
    await syncTruststore(h.deps);
    const before = await h.object();
    const updatesBefore = h.apigateway.commandCalls(UpdateDomainNameCommand).length;

    const { build, domain } = await syncTruststore(h.deps);

    expect(build.status).toBe('unchanged');
    expect(domain?.updated).toBe(false);
    expect(h.apigateway.commandCalls(UpdateDomainNameCommand)).toHaveLength(updatesBefore);
    expect((await h.object()).versionId).toBe(before.versionId);
    expect(h.metrics.get(BuilderMetric.Published)).toBe(1);
  });

  it('one bad registration does not freeze the others: each is left out with its reason, the rest is published, alarmed', async () => {
    const h = await harness();
    await syncTruststore(h.deps);
    // Same subject DN as the root CA: API Gateway would refuse the whole truststore.
    const impostor = await createCertificate({ subject: pki.root.subject });
    const weak = await createCertificate({
      subject: 'CN=client-weak, O=Acme',
      key: { type: 'rsa', bits: 1024 },
    });
    const garbage = await createCertificate({ subject: 'CN=client-garbage, O=Acme' });
    const noPem = await createCertificate({ subject: 'CN=client-no-pem, O=Acme' });
    await h.add(entryOf(impostor, 'self-signed', 'active'));
    await h.add(entryOf(weak, 'self-signed', 'active'));
    await h.add({
      ...entryOf(garbage, 'self-signed', 'active'),
      pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    });
    await h.add({ ...entryOf(noPem, 'self-signed', 'active'), pem: undefined });
    // An active self-signed item without subject and notAfter (not a readable entry at all).
    await registry.client().send(
      new PutItemCommand({
        TableName: h.deps.tableName,
        Item: { thumbprint: { S: 'z'.repeat(43) }, kind: { S: 'self-signed' }, status: { S: 'active' } },
      }),
    );
    // A later, good registration still reaches API Gateway.
    const later = await createCertificate({ subject: 'CN=client-later, O=Acme' });
    await h.add(entryOf(later, 'self-signed', 'active'));

    const { build, domain } = await syncTruststore(h.deps);

    expect(build.status).toBe('published');
    const object = await h.object();
    expect(thumbprintsIn(object.body)).toEqual([thumb(pki.root), thumb(pki.intermediate), thumb(later)]);
    expect(domain?.updated).toBe(true);
    expect(h.domainVersion()).toBe(object.versionId);
    const left = h.logs.filter((l) => l.message === 'registry entry left out of the truststore');
    expect(left.map((l) => [l.level, l.data?.thumbprint, l.data?.code])).toEqual(
      expect.arrayContaining([
        ['error', thumb(impostor), 'duplicate-subject'],
        ['error', thumb(weak), 'weak-key'],
        ['error', thumb(garbage), 'unparsable'],
        ['error', thumb(noPem), 'missing-pem'],
        ['error', 'z'.repeat(43), 'incomplete'],
      ]),
    );
    expect(left).toHaveLength(5);
    expect(String(left.find((l) => l.data?.code === 'duplicate-subject')?.data?.reason)).toContain(
      "the CA bundle's certificate",
    );
    expect(h.metrics.get(BuilderMetric.Exclusions)).toBe(5);
    expect(h.metrics.get(BuilderMetric.Failures)).toBeUndefined();
  });

  it('an expired registration is left out quietly (logged at info, not alarmed)', async () => {
    const h = await harness();
    const expired = await createCertificate({
      subject: 'CN=client-expired, O=Acme',
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    await h.add(entryOf(expired, 'self-signed', 'active'));

    const { build } = await syncTruststore(h.deps);

    expect(build.status).toBe('published');
    expect(thumbprintsIn((await h.object()).body)).not.toContain(thumb(expired));
    expect(h.logs.filter((l) => l.data?.code === 'expired').map((l) => l.level)).toEqual(['info']);
    expect(h.metrics.get(BuilderMetric.Exclusions)).toBeUndefined();
  });

  it('s3rver as is (no versioning): throws and never points the domain at an unversioned object', async () => {
    const h = await harness({ bucket: 'unversioned' });

    await expect(syncTruststore(h.deps)).rejects.toThrow(/must be versioned/);
    expect(h.apigateway.commandCalls(UpdateDomainNameCommand)).toHaveLength(0);
    // It waited (bounded) for versioning to take effect before giving up.
    expect(h.pauses.length).toBeGreaterThan(3);
  });

  it("logs and counts API Gateway's truststoreWarnings after the update (SDK mock)", async () => {
    const h = await harness({ warnings: ['Certificate CN=x expires soon', 'Certificate CN=y is invalid'] });

    const { domain } = await syncTruststore(h.deps);

    expect(domain?.messages).toEqual(['Certificate CN=x expires soon', 'Certificate CN=y is invalid']);
    expect(h.metrics.get(BuilderMetric.Warnings)).toBe(2);
    expect(
      h.logs.filter((l) => l.level === 'warn' && l.data?.message === 'Certificate CN=y is invalid'),
    ).toHaveLength(1);
  });
});

describe('truststore builder handler: CloudFormation custom resource (real response URL) + API Gateway SDK mock', () => {
  let server: Server;
  let responseUrl: string;
  const responses: CustomResourceResult[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        responses.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CustomResourceResult);
        res.end();
      });
    });
    responseUrl = `http://127.0.0.1:${await listen(server)}/response`;
  });

  afterAll(async () => {
    await close(server);
  });

  function cfnEvent(
    requestType: 'Create' | 'Update' | 'Delete',
    properties: Record<string, string> = {},
  ): CloudFormationCustomResourceEvent {
    const base = {
      ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:builder',
      ResponseURL: responseUrl,
      StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/CustomerEdge/1',
      RequestId: `req-${responses.length}`,
      LogicalResourceId: 'TruststoreVersion',
      ResourceType: 'Custom::Truststore',
      ResourceProperties: { ServiceToken: 'x', ...properties },
    };
    if (requestType === 'Create') return { ...base, RequestType: 'Create' };
    return {
      ...base,
      RequestType: requestType,
      PhysicalResourceId: 's3://truststore/truststore.pem',
      OldResourceProperties: { ServiceToken: 'x' },
    } as CloudFormationCustomResourceEvent;
  }

  async function invoke(
    h: Harness,
    event: CloudFormationCustomResourceEvent,
    deps: BuilderDeps = h.deps,
  ): Promise<CustomResourceResult> {
    const count = responses.length;
    await createHandler(deps)(event);
    expect(responses).toHaveLength(count + 1);
    return responses[count]!;
  }

  it('Create publishes and answers SUCCESS with the VersionId, without calling UpdateDomainName', async () => {
    const h = await harness();

    const response = await invoke(h, cfnEvent('Create'));

    const object = await h.object();
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data?.VersionId).toBe(object.versionId);
    expect(response.PhysicalResourceId).toBe(`s3://${h.bucket}/${TRUSTSTORE_KEY}`);
    expect(h.apigateway.commandCalls(UpdateDomainNameCommand)).toHaveLength(0);
    expect(h.apigateway.commandCalls(GetDomainNameCommand)).toHaveLength(0);
  });

  it('Update after a registry-driven publish answers the latest version, never the older deploy-time one', async () => {
    const h = await harness();
    const created = await invoke(h, cfnEvent('Create'));
    await h.add(
      entryOf(await createCertificate({ subject: 'CN=client-late, O=Acme' }), 'self-signed', 'active'),
    );
    await createHandler(h.deps)({ Records: [{ eventSource: 'aws:dynamodb' }] } as never);
    const latest = (await h.object()).versionId;

    const updated = await invoke(h, cfnEvent('Update', { CaBundleSha256: 'changed' }));

    expect(latest).not.toBe(created.Data?.VersionId);
    expect(updated.Status).toBe('SUCCESS');
    expect(updated.Data?.VersionId).toBe(latest);
  });

  // A CA bundle the checks refuse (a leaf in it): no registry entry causes it, so nothing is published.
  const brokenBundle = (): string => pki.caBundlePem + pki.leaf.pem;

  it('Create with a truststore the checks refuse answers FAILED and publishes nothing', async () => {
    const h = await harness();

    const response = await invoke(h, cfnEvent('Create'), { ...h.deps, caBundlePem: brokenBundle() });

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/truststore refused, nothing published/);
    await expect(h.object()).rejects.toThrow();
    expect(h.metrics.get(BuilderMetric.Failures)).toBeGreaterThanOrEqual(1);
  });

  it('Update with a truststore the checks refuse keeps the live version (SUCCESS, so a rollback cannot get stuck) and alarms', async () => {
    const h = await harness();
    const created = await invoke(h, cfnEvent('Create'));

    const response = await invoke(h, cfnEvent('Update'), { ...h.deps, caBundlePem: brokenBundle() });

    expect(response.Status).toBe('SUCCESS');
    expect(response.Data?.VersionId).toBe(created.Data?.VersionId);
    expect((await h.object()).versionId).toBe(created.Data?.VersionId);
    expect(h.metrics.get(BuilderMetric.Failures)).toBe(1);
  });

  it('Delete answers SUCCESS and leaves the truststore in place', async () => {
    const h = await harness();
    await invoke(h, cfnEvent('Create'));
    const before = await h.object();

    const response = await invoke(h, cfnEvent('Delete'));

    expect(response.Status).toBe('SUCCESS');
    expect(await h.object()).toEqual(before);
  });

  it('the inspection resource points the domain at the current version and counts its truststoreWarnings (SDK mock)', async () => {
    const h = await harness({ warnings: ['Certificate CN=z has an unsupported key'] });
    const created = await invoke(h, cfnEvent('Create'));

    const response = await invoke(h, cfnEvent('Create', { Action: INSPECT_ACTION }));

    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toEqual({ Warnings: '1', VersionId: created.Data?.VersionId });
    expect(h.domainVersion()).toBe(created.Data?.VersionId);
    expect(h.metrics.get(BuilderMetric.Warnings)).toBe(1);
  });

  it('fault 1: the first deploy succeeds without s3:ListBucket, where S3 answers 403 for the missing record', async () => {
    const h = await harness();
    // The rule the builder meets: its role has no s3:ListBucket, so a missing key is 403, not 404.
    await expect(
      h.deps.s3.send(new GetObjectCommand({ Bucket: h.bucket, Key: TRUSTSTORE_STATE_KEY })),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

    const response = await invoke(h, cfnEvent('Create'));

    expect(response.Status).toBe('SUCCESS');
    const record = await readState(h.deps);
    expect(record.kind === 'found' && record.state.versionId).toBe(response.Data?.VersionId);
  });

  it('fault 1: a record that exists but cannot be read is never overwritten (403 is taken for "absent" only through a conditional create)', async () => {
    const h = await harness();
    await invoke(h, cfnEvent('Create'));
    const before = await h.s3.send(new GetObjectCommand({ Bucket: h.bucket, Key: TRUSTSTORE_STATE_KEY }));
    // A role that may write the record but not read it (a broken grant).
    iam.gate.register('builder-cannot-read', {
      name: 'builder without s3:GetObject on the record',
      arn: 'arn:aws:iam::111111111111:role/broken',
      policies: [
        {
          name: 'broken',
          document: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'dynamodb:Scan', Resource: '*' },
              {
                Effect: 'Allow',
                Action: ['s3:PutObject', 's3:GetObject'],
                Resource: `arn:aws:s3:::${h.bucket}/${TRUSTSTORE_KEY}`,
              },
              {
                Effect: 'Allow',
                Action: 's3:PutObject',
                Resource: `arn:aws:s3:::${h.bucket}/${TRUSTSTORE_STATE_KEY}`,
              },
            ],
          },
        },
      ],
    });
    const broken = { accessKeyId: 'builder-cannot-read', secretAccessKey: 'x' };
    const deps = { ...h.deps, s3: s3server.client(broken), dynamodb: registry.client(broken) };

    const response = await invoke({ ...h, deps }, cfnEvent('Update'));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/exists but reading it is denied/);

    const after = await h.s3.send(new GetObjectCommand({ Bucket: h.bucket, Key: TRUSTSTORE_STATE_KEY }));
    expect(after.ETag).not.toBeUndefined();
    expect(JSON.parse(await after.Body!.transformToString()).versionId).toBe(
      JSON.parse(await before.Body!.transformToString()).versionId,
    );
    // Exactly the provoked denials: the broken role reading the record.
    expect(new Set(iam.gate.denials.map((d) => `${d.principal} ${d.action}`))).toEqual(
      new Set(['builder without s3:GetObject on the record s3:GetObject']),
    );
    iam.gate.denials.length = 0;
  });

  it('risk 5: a bucket whose versioning is not in effect yet answers the first writes without a VersionId; the build waits (bounded) and succeeds', async () => {
    const h = await harness({ exactBucket: 'late-versioning' });

    const response = await invoke(h, cfnEvent('Create'));

    expect(response.Status).toBe('SUCCESS');
    expect(response.Data?.VersionId).toMatch(/.+/);
    expect(h.pauses).toHaveLength(2);
    expect(h.logs.some((l) => l.message.startsWith('the bucket returned no VersionId'))).toBe(true);
    expect(h.versionBody(response.Data?.VersionId)).toContain('BEGIN CERTIFICATE');
  });

  it('risk 6: CloudFormation replaying an update with unchanged inputs after registry-driven builds gets the current version, never the pinned deploy-time one', async () => {
    const h = await harness();
    const properties = {
      Bucket: h.bucket,
      Key: TRUSTSTORE_KEY,
      CaBundleSha256: 'same',
      DomainDigest: 'same',
    };
    const created = await invoke(h, cfnEvent('Create', properties));
    await h.add(
      entryOf(
        await createCertificate({ subject: 'CN=client-after-deploy, O=Acme' }),
        'self-signed',
        'active',
      ),
    );
    await createHandler(h.deps)({ Records: [{ eventSource: 'aws:dynamodb' }] } as never);
    const live = h.domainVersion();

    const replayed = await invoke(h, {
      ...cfnEvent('Update', properties),
      OldResourceProperties: { ServiceToken: 'x', ...properties },
    } as CloudFormationCustomResourceEvent);

    expect(live).not.toBe(created.Data?.VersionId);
    expect(replayed.Data?.VersionId).toBe(live);
    expect(h.versionBody(replayed.Data?.VersionId)).toContain(
      splitPemBlocks(h.versionBody(live)).at(-1)!.trim(),
    );
  });
});

describe('fault 3: concurrent builds (no reserved concurrency) against the stand-ins', () => {
  it('a build holding a stale view of the registry loses to a newer one: the domain ends on the newest registry state', async () => {
    const h = await harness();
    await syncTruststore(h.deps);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let scanned = false;
    // A: reads the record, scans the registry (answer held: it has not seen X yet).
    const stale = syncTruststore(h.another({ holdScan: held, onScanned: () => (scanned = true) }));
    await until(() => scanned);
    const x = await createCertificate({ subject: 'CN=client-x, O=Acme' });
    await h.add(entryOf(x, 'self-signed', 'active'));
    // B: after the change, runs to the end and publishes X.
    const fresh = await syncTruststore(h.another());
    release();
    const late = await stale;

    expect(fresh.build.status).toBe('published');
    // A lost the compare-and-set, re-read the record and the registry, and published nothing stale.
    expect(late.build.status === 'refused' ? 0 : late.build.attempts).toBeGreaterThan(1);
    expect(thumbprintsIn(h.versionBody(h.domainVersion()))).toContain(thumb(x));
    const record = await readState(h.deps);
    expect(record.kind === 'found' && record.state.versionId).toBe(h.domainVersion());
  });

  it('stream, schedule and custom resource builds racing with registry changes: the domain ends on the newest registry state', async () => {
    const h = await harness();
    await syncTruststore(h.deps);
    const added: IssuedCertificate[] = [];
    const builds: Promise<unknown>[] = [];
    const triggers = [
      { Records: [{ eventSource: 'aws:dynamodb' }] },
      cfnEventFor('Update'),
      { 'detail-type': 'Scheduled Event', source: 'aws.events' },
      { Records: [{ eventSource: 'aws:dynamodb' }] },
      cfnEventFor('Update'),
      { Records: [{ eventSource: 'aws:dynamodb' }] },
    ];
    for (const [i, trigger] of triggers.entries()) {
      const cert = await createCertificate({ subject: `CN=client-race-${i}, O=Acme` });
      added.push(cert);
      await h.add(entryOf(cert, 'self-signed', 'active'));
      // Each change is followed by an invocation (the stream's), while the earlier ones still run.
      builds.push(createHandler(h.another())(trigger as never));
    }
    await Promise.all(builds);

    // Both custom resource builds told CloudFormation they succeeded (a FAILED answer rolls the stack back).
    expect(cfnAnswers.map((answer) => answer.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    const finalBody = h.versionBody(h.domainVersion());
    for (const cert of added) expect(thumbprintsIn(finalBody)).toContain(thumb(cert));
    const record = await readState(h.deps);
    expect(record.kind === 'found' && record.state.versionId).toBe(h.domainVersion());
  });
});
