/**
 * The world the benchmark's handlers run against, in the parent process: dynalite as the registry, the
 * Secrets Manager stand-in, a CA bundle, 10 client certificates (CA-signed and registered self-signed,
 * RSA and EC mixed), and the token upstream the cold starts forward to. (A warm runner starts the same
 * upstream inside its own process: see warm-runner.ts.)
 */
import { PROXY_ENV, PROXY_SERVICE_NAME } from '../../shared/contracts/proxy';
import { METRICS_NAMESPACE, POWERTOOLS_ENV } from '../../shared/contracts/telemetry';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectCertificate, kindOf, type CertificateKind } from '../../shared/certificate';
import { itemFromEntry, ttlFor } from '../../shared/registry-model';
import { apiGatewayEvent } from '../../stand-ins/api-gateway';
import { createCertificate, createTestPki, type IssuedCertificate, type KeySpec } from '../../stand-ins/pki';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  createRegistryTable,
  startRegistryServer,
  type RegistryServer,
} from '../../stand-ins/registry-server';
import { startSecretsManagerStandIn, type SecretsManagerStandIn } from '../../stand-ins/secrets-manager';
import { startTokenUpstream, type TokenUpstream } from './token-upstream';

export const TABLE = 'customer-edge-registry-bench';
export const SECRET_ID = 'customer-edge/cname-api-key';
/** Throwaway: the benchmark checks it never shows up in the handler's log output. */
export const API_KEY = 'bench-cname-api-key-5d41402abc4b2a76b9719d911017c592';

export interface ClientCertificate {
  readonly name: string;
  readonly kind: CertificateKind;
  readonly pem: string;
}

export interface Fixture {
  readonly registry: RegistryServer;
  readonly secrets: SecretsManagerStandIn;
  readonly upstream: TokenUpstream;
  readonly certificates: readonly ClientCertificate[];
  /** One API Gateway event per certificate, written to `eventsFile`. */
  readonly eventsFile: string;
  readonly caBundleFile: string;
  /** The environment of a Lambda container: the proxy's configuration and the AWS SDK's settings. */
  readonly lambdaEnv: Record<string, string>;
  counters(): Counters;
  close(): Promise<void>;
}

export interface Counters {
  readonly registryReads: number;
  readonly secretReads: number;
}

const KEYS: readonly KeySpec[] = [
  { type: 'rsa', bits: 2048 },
  { type: 'ec', curve: 'P-256' },
];

export async function startFixture(dir: string): Promise<Fixture> {
  const [registry, secrets, upstream, pki] = await Promise.all([
    startRegistryServer(),
    startSecretsManagerStandIn({ [SECRET_ID]: JSON.stringify({ cname_api_key: API_KEY }) }),
    startTokenUpstream(),
    createTestPki('Bench', { type: 'ec', curve: 'P-256' }),
  ]);
  const dynamo = registry.client();
  await createRegistryTable(dynamo, TABLE);

  // 6 CA-signed (5 by the issuing CA, 1 by the root; 2 of them registered active), 4 registered
  // self-signed; RSA-2048 and EC P-256 alternate.
  const issued: Array<{
    name: string;
    kind: ClientCertificate['kind'];
    cert: IssuedCertificate;
    register: boolean;
  }> = [];
  for (let i = 0; i < 10; i += 1) {
    const selfSigned = i >= 6;
    const name = `bench-client-${i}`;
    const cert = await createCertificate({
      subject: `CN=${name}, O=Bench Customer ${i}`,
      issuer: selfSigned ? undefined : i === 5 ? pki.root : pki.intermediate,
      key: KEYS[i % 2],
    });
    issued.push({
      name,
      kind: kindOf(inspectCertificate(cert.pem)),
      cert,
      register: selfSigned || i < 2,
    });
  }
  for (const { kind, cert, register } of issued) {
    if (!register) continue;
    const inspected = inspectCertificate(cert.pem);
    await dynamo.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: itemFromEntry({
          thumbprint: inspected.thumbprint,
          kind,
          status: 'active',
          pem: inspected.pem,
          subject: inspected.subject,
          notAfter: inspected.notAfter.toISOString(),
          expiresAt: ttlFor(inspected.notAfter),
        }),
      }),
    );
  }

  const certificates = issued.map(({ name, kind, cert }) => ({ name, kind, pem: cert.pem }));
  const events: APIGatewayProxyEvent[] = certificates.map((c, i) =>
    apiGatewayEvent(c.pem, {
      method: 'POST',
      path: '/oauth/token',
      body: `grant_type=client_credentials&client_id=${c.name}&audience=${encodeURIComponent('https://api.example.com/')}`,
      sourceIp: `203.0.113.${10 + i}`,
      // What API Gateway hands a REST API proxy integration for a typical token request.
      headers: [
        ['Accept', 'application/json'],
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['Host', 'auth.example.com'],
        ['User-Agent', 'bench-client/1.0'],
        ['X-Amzn-Trace-Id', `Root=1-67891233-abcdef012345678912345${String(i).padStart(3, '0')}`],
        ['X-Forwarded-For', `203.0.113.${10 + i}`],
        ['X-Forwarded-Port', '443'],
        ['X-Forwarded-Proto', 'https'],
      ],
    }),
  );
  const eventsFile = join(dir, 'events.json');
  writeFileSync(eventsFile, JSON.stringify(events));
  const caBundleFile = join(dir, 'ca-bundle.pem');
  writeFileSync(caBundleFile, pki.caBundlePem);

  const lambdaEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // No ~/.aws files from the machine running the benchmark.
    HOME: dir,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: registry.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    [PROXY_ENV.forwardingTarget]: upstream.url,
    [PROXY_ENV.secretId]: SECRET_ID,
    [PROXY_ENV.registryTableName]: TABLE,
    [PROXY_ENV.caBundleFile]: caBundleFile,
    // Measured requests are cache hits, so the dependency deadline changes no number; a generous one
    // keeps a busy machine's slow first registry read from aborting the run with a 503.
    [PROXY_ENV.dependencyTimeoutMs]: '60000',
    // Observability as deployed (lib/proxy-function.ts): JSON logs at INFO and EMF metrics, both on.
    [POWERTOOLS_ENV.serviceName]: PROXY_SERVICE_NAME,
    [POWERTOOLS_ENV.metricsNamespace]: METRICS_NAMESPACE,
    [POWERTOOLS_ENV.logLevel]: 'INFO',
    [POWERTOOLS_ENV.metricsDisabled]: 'false',
  };

  return {
    registry,
    secrets,
    upstream,
    certificates,
    eventsFile,
    caBundleFile,
    lambdaEnv,
    counters: () => ({
      registryReads: registry.calls.get('GetItem') ?? 0,
      secretReads: secrets.reads(),
    }),
    async close() {
      await Promise.all([registry.close(), secrets.close(), upstream.close()]);
    },
  };
}
