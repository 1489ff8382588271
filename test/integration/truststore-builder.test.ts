/**
 * The truststore builder for real against dynalite (DynamoDB) and s3rver (S3), both started here on
 * port 0. What is not real, and why:
 * - s3rver has no object versioning (PutObject returns no VersionId): the "versioned" client adds
 *   VersionId := ETag with an SDK middleware (stand-ins/s3-server.ts). One test uses s3rver as is
 *   to prove the builder refuses an unversioned bucket.
 * - API Gateway's control plane (GetDomainName / UpdateDomainName) has no local stand-in: SDK mock.
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
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { createServer, type Server } from 'node:http';
import { inspectCertificate, splitPemBlocks } from '../../shared/certificate';
import { itemFromEntry, ttlFor, type RegistryEntry } from '../../shared/registry-model';
import { BuilderMetric, INSPECT_ACTION } from '../../shared/contracts/truststore-builder';
import { SHA256_METADATA_KEY, syncTruststore, type BuilderDeps } from '../../lambda/truststore-builder/core';
import { createHandler, type CustomResourceResult } from '../../lambda/truststore-builder/handler';
import { close, listen } from '../../stand-ins/listen';
import { createCertificate, createTestPki, type IssuedCertificate, type TestPki } from '../../stand-ins/pki';
import {
  createRegistryTable,
  startRegistryServer,
  type RegistryServer,
} from '../../stand-ins/registry-server';
import { startS3Server, type S3Server } from '../../stand-ins/s3-server';

const TABLE = 'registry';
const BUCKET = 'truststore';
const KEY = 'truststore.pem';
const DOMAIN = 'mtls.auth.example.com';

let registry: RegistryServer;
let s3server: S3Server;
let pki: TestPki;
let tableCounter = 0;

beforeAll(async () => {
  [registry, s3server, pki] = await Promise.all([
    startRegistryServer(),
    startS3Server([BUCKET, 'unversioned']),
    createTestPki('Builder'),
  ]);
});

afterAll(async () => {
  await Promise.all([registry?.close(), s3server?.close()]);
});

interface Harness {
  readonly deps: BuilderDeps;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly apigateway: AwsStub<ServiceInputTypes, ServiceOutputTypes, APIGatewayClientResolvedConfig>;
  readonly metrics: Map<string, number>;
  readonly logs: { level: string; message: string; data?: Record<string, unknown> }[];
  /** What the SDK-mocked domain currently points at. */
  domainVersion(): string | undefined;
  add(entry: RegistryEntry): Promise<void>;
  remove(thumbprint: string): Promise<void>;
  object(): Promise<{ body: string; versionId?: string; sha256?: string }>;
}

/** A fresh table and object key per test; API Gateway is an SDK mock that remembers the version it was given. */
async function harness(
  options: { bucket?: string; versioned?: boolean; warnings?: string[] } = {},
): Promise<Harness> {
  tableCounter += 1;
  const tableName = `${TABLE}-${tableCounter}`;
  const key = `${tableCounter}/${KEY}`;
  const dynamodb = registry.client();
  await createRegistryTable(dynamodb, tableName);
  const s3 = s3server.client({ versioned: options.versioned ?? true });
  const client = new APIGatewayClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const apigateway = mockClient(client);
  let version: string | undefined = 'v-deployed';
  const domain = (): GetDomainNameCommandOutput => ({
    $metadata: {},
    domainName: DOMAIN,
    domainNameStatus: 'AVAILABLE',
    mutualTlsAuthentication: {
      truststoreUri: `s3://${BUCKET}/${key}`,
      truststoreVersion: version,
      truststoreWarnings: options.warnings,
    },
  });
  apigateway.on(GetDomainNameCommand).callsFake(() => domain());
  apigateway.on(UpdateDomainNameCommand).callsFake((input: { patchOperations?: { value?: string }[] }) => {
    version = input.patchOperations?.[0]?.value;
    return domain();
  });
  const metrics = new Map<string, number>();
  const logs: Harness['logs'] = [];
  const deps: BuilderDeps = {
    dynamodb,
    s3,
    apigateway: client,
    tableName,
    bucket: options.bucket ?? BUCKET,
    key,
    domainName: DOMAIN,
    caBundlePem: pki.caBundlePem,
    log: {
      info: (message, data) => logs.push({ level: 'info', message, data }),
      warn: (message, data) => logs.push({ level: 'warn', message, data }),
      error: (message, data) => logs.push({ level: 'error', message, data }),
    },
    metrics: { count: (name, value) => metrics.set(name, (metrics.get(name) ?? 0) + value) },
  };
  return {
    deps,
    dynamodb,
    s3,
    apigateway,
    metrics,
    logs,
    domainVersion: () => version,
    add: async (entry) => {
      await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: itemFromEntry(entry) }));
    },
    remove: async (thumbprint) => {
      await dynamodb.send(
        new DeleteItemCommand({ TableName: tableName, Key: { thumbprint: { S: thumbprint } } }),
      );
    },
    object: async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: options.bucket ?? BUCKET, Key: key }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: options.bucket ?? BUCKET, Key: key }));
      return {
        body: (await got.Body?.transformToString()) ?? '',
        versionId: head.VersionId,
        sha256: head.Metadata?.[SHA256_METADATA_KEY],
      };
    },
  };
}

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

  it('refuses a self-signed entry that duplicates a CA subject DN: publishes nothing, alarms, keeps the domain', async () => {
    const h = await harness();
    await syncTruststore(h.deps);
    const live = await h.object();
    // Same subject DN as the root CA: API Gateway would refuse the whole truststore.
    const impostor = await createCertificate({ subject: pki.root.subject });
    await h.add(entryOf(impostor, 'self-signed', 'active'));

    const { build, domain } = await syncTruststore(h.deps);

    expect(build.status).toBe('refused');
    expect(build.status === 'refused' && build.errors.map((e) => e.code)).toContain('duplicate-subject');
    expect(domain).toBeUndefined();
    expect(await h.object()).toEqual(live);
    expect(h.domainVersion()).toBe(live.versionId);
    expect(h.metrics.get(BuilderMetric.Failures)).toBe(1);
    expect(h.logs.some((l) => l.level === 'error' && l.message.startsWith('truststore refused'))).toBe(true);
  });

  it('refuses an active self-signed entry with a weak key (RSA 1024): publishes nothing', async () => {
    const h = await harness();
    await syncTruststore(h.deps);
    const live = await h.object();
    const weak = await createCertificate({
      subject: 'CN=client-weak, O=Acme',
      key: { type: 'rsa', bits: 1024 },
    });
    await h.add(entryOf(weak, 'self-signed', 'active'));

    const { build } = await syncTruststore(h.deps);

    expect(build.status === 'refused' && build.errors.map((e) => e.code)).toContain('weak-key');
    expect(await h.object()).toEqual(live);
    expect(h.metrics.get(BuilderMetric.Failures)).toBe(1);
  });

  it('s3rver as is (no versioning): throws and never points the domain at an unversioned object', async () => {
    const h = await harness({ bucket: 'unversioned', versioned: false });

    await expect(syncTruststore(h.deps)).rejects.toThrow(/must be versioned/);
    expect(h.apigateway.commandCalls(UpdateDomainNameCommand)).toHaveLength(0);
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
      PhysicalResourceId: `s3://${BUCKET}/x`,
      OldResourceProperties: { ServiceToken: 'x' },
    } as CloudFormationCustomResourceEvent;
  }

  async function invoke(h: Harness, event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
    const count = responses.length;
    await createHandler(h.deps)(event);
    expect(responses).toHaveLength(count + 1);
    return responses[count]!;
  }

  it('Create publishes and answers SUCCESS with the VersionId, without calling UpdateDomainName', async () => {
    const h = await harness();

    const response = await invoke(h, cfnEvent('Create'));

    const object = await h.object();
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data?.VersionId).toBe(object.versionId);
    expect(response.PhysicalResourceId).toBe(`s3://${BUCKET}/${h.deps.key}`);
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

  it('Create with a truststore the checks refuse answers FAILED and publishes nothing', async () => {
    const h = await harness();
    await h.add(
      entryOf(await createCertificate({ subject: pki.intermediate.subject }), 'self-signed', 'active'),
    );

    const response = await invoke(h, cfnEvent('Create'));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/truststore refused, nothing published/);
    await expect(h.object()).rejects.toThrow();
    expect(h.metrics.get(BuilderMetric.Failures)).toBeGreaterThanOrEqual(1);
  });

  it('Update with a truststore the checks refuse keeps the live version (SUCCESS, so a rollback cannot get stuck) and alarms', async () => {
    const h = await harness();
    const created = await invoke(h, cfnEvent('Create'));
    await h.add(
      entryOf(await createCertificate({ subject: pki.intermediate.subject }), 'self-signed', 'active'),
    );

    const response = await invoke(h, cfnEvent('Update'));

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

  it('the inspection resource reads the domain back and counts its truststoreWarnings (SDK mock)', async () => {
    const h = await harness({ warnings: ['Certificate CN=z has an unsupported key'] });

    const response = await invoke(h, cfnEvent('Create', { Action: INSPECT_ACTION }));

    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toEqual({ Warnings: '1' });
    expect(h.metrics.get(BuilderMetric.Warnings)).toBe(1);
    expect(h.apigateway.commandCalls(UpdateDomainNameCommand)).toHaveLength(0);
  });
});
