/**
 * The truststore builder's core: truststore = CA bundle + every active self-signed certificate of the
 * registry, checked with the shared truststore rules, published as a new S3 object version only when it
 * changed and only when it passed, then (for registry changes) pointed at by the API Gateway domain.
 *
 * Clients are injected, so tests run this against real local servers (dynalite, s3rver) and an SDK mock
 * for API Gateway's control plane (it has no local stand-in).
 */
import {
  GetDomainNameCommand,
  UpdateDomainNameCommand,
  type APIGatewayClient,
  type GetDomainNameCommandOutput,
} from '@aws-sdk/client-api-gateway';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { activeSelfSignedPems, scanRegistry } from '../../shared/registry-store';
import { assembleTruststore, type TruststoreFinding } from '../../shared/truststore';
import { BuilderMetric } from '../../shared/contracts/truststore-builder';

/** S3 user metadata key holding the SHA-256 (hex) of the truststore text, to skip identical uploads. */
export const SHA256_METADATA_KEY = 'truststore-sha256';

export interface BuilderLog {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface BuilderMetrics {
  count(name: BuilderMetric, value: number): void;
}

export interface BuilderDeps {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly apigateway: APIGatewayClient;
  readonly tableName: string;
  readonly bucket: string;
  readonly key: string;
  /** The API Gateway custom domain, `mtls.<domain>`. */
  readonly domainName: string;
  /** The trusted client CA bundle shipped with the function. */
  readonly caBundlePem: string;
  readonly log: BuilderLog;
  readonly metrics: BuilderMetrics;
  /** @default - the current time */
  readonly now?: () => Date;
}

export interface CurrentObject {
  readonly versionId?: string;
  readonly sha256?: string;
}

export type BuildOutcome =
  | {
      readonly status: 'refused';
      readonly errors: readonly TruststoreFinding[];
      /** The live truststore's version, left untouched. */
      readonly currentVersionId?: string;
    }
  | {
      readonly status: 'published' | 'unchanged';
      /** The latest version of the truststore object (the one just written, or the existing one). */
      readonly versionId: string;
      readonly sha256: string;
      readonly certificates: number;
      readonly selfSigned: number;
    };

export class UnversionedBucketError extends Error {
  constructor(bucket: string) {
    super(
      `s3://${bucket} returned no VersionId: the truststore bucket must be versioned (API Gateway pins a truststore version)`,
    );
    this.name = 'UnversionedBucketError';
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** The current truststore object (version and content hash), or `undefined` when there is none yet. */
export async function currentObject(deps: BuilderDeps): Promise<CurrentObject | undefined> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: deps.key }));
    return { versionId: head.VersionId, sha256: head.Metadata?.[SHA256_METADATA_KEY] };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function findingData(finding: TruststoreFinding): Record<string, unknown> {
  return { code: finding.code, finding: finding.message, certificate: finding.certificate };
}

/**
 * Assembles and checks the truststore and publishes it when it passed and differs from the current
 * object. Publishes nothing on any error: the live truststore is never replaced by a broken one.
 */
export async function buildTruststore(deps: BuilderDeps): Promise<BuildOutcome> {
  const now = deps.now?.() ?? new Date();
  const entries = await scanRegistry(deps.dynamodb, deps.tableName);
  const selfSigned = activeSelfSignedPems(entries, now);
  const result = assembleTruststore(deps.caBundlePem, selfSigned, { now });
  const current = await currentObject(deps);

  for (const warning of result.warnings) deps.log.warn('truststore check warning', findingData(warning));
  if (result.warnings.length > 0) deps.metrics.count(BuilderMetric.Warnings, result.warnings.length);

  if (!result.ok) {
    for (const error of result.errors) deps.log.error('truststore check error', findingData(error));
    deps.log.error('truststore refused: nothing published, the live truststore is unchanged', {
      errors: result.errors.length,
      liveVersionId: current?.versionId,
    });
    deps.metrics.count(BuilderMetric.Failures, 1);
    return { status: 'refused', errors: result.errors, currentVersionId: current?.versionId };
  }

  const hash = sha256(result.pem);
  const summary = { sha256: hash, certificates: result.certificates, selfSigned: selfSigned.length };
  if (current?.versionId && current.sha256 === hash) {
    deps.log.info('truststore unchanged: not publishing', { ...summary, versionId: current.versionId });
    return { status: 'unchanged', versionId: current.versionId, ...summary };
  }

  const put = await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: deps.key,
      Body: result.pem,
      ContentType: 'application/x-pem-file',
      Metadata: { [SHA256_METADATA_KEY]: hash },
    }),
  );
  if (!put.VersionId) throw new UnversionedBucketError(deps.bucket);
  deps.log.info('truststore published', { ...summary, versionId: put.VersionId, bytes: result.bytes });
  deps.metrics.count(BuilderMetric.Published, 1);
  return { status: 'published', versionId: put.VersionId, ...summary };
}

/** Logs and counts every status message and truststore warning API Gateway reports for the domain. */
export function reportDomain(deps: BuilderDeps, domain: GetDomainNameCommandOutput): string[] {
  const messages = [
    ...(domain.domainNameStatusMessage ? [domain.domainNameStatusMessage] : []),
    ...(domain.mutualTlsAuthentication?.truststoreWarnings ?? []),
  ];
  for (const message of messages) {
    deps.log.warn('API Gateway reports a problem with the domain or its truststore', {
      domainName: deps.domainName,
      domainNameStatus: domain.domainNameStatus,
      truststoreVersion: domain.mutualTlsAuthentication?.truststoreVersion,
      message,
    });
  }
  if (messages.length > 0) deps.metrics.count(BuilderMetric.Warnings, messages.length);
  return messages;
}

export interface DomainSync {
  readonly updated: boolean;
  readonly previousVersionId?: string;
  readonly messages: readonly string[];
}

/**
 * Points the domain at `versionId` unless it already is (UpdateDomainName, patch
 * `/mutualTlsAuthentication/truststoreVersion`), then reads the domain back and reports its warnings.
 */
export async function pointDomainAt(deps: BuilderDeps, versionId: string): Promise<DomainSync> {
  const before = await deps.apigateway.send(new GetDomainNameCommand({ domainName: deps.domainName }));
  const previousVersionId = before.mutualTlsAuthentication?.truststoreVersion;
  if (previousVersionId === versionId) {
    return { updated: false, previousVersionId, messages: reportDomain(deps, before) };
  }
  await deps.apigateway.send(
    new UpdateDomainNameCommand({
      domainName: deps.domainName,
      patchOperations: [
        { op: 'replace', path: '/mutualTlsAuthentication/truststoreVersion', value: versionId },
      ],
    }),
  );
  deps.log.info('domain pointed at the new truststore version', {
    domainName: deps.domainName,
    versionId,
    previousVersionId,
  });
  const after = await deps.apigateway.send(new GetDomainNameCommand({ domainName: deps.domainName }));
  return { updated: true, previousVersionId, messages: reportDomain(deps, after) };
}

/** A registry change (or the daily schedule): rebuild, publish if changed, keep the domain on the latest version. */
export async function syncTruststore(
  deps: BuilderDeps,
): Promise<{ readonly build: BuildOutcome; readonly domain?: DomainSync }> {
  const build = await buildTruststore(deps);
  if (build.status === 'refused') return { build };
  return { build, domain: await pointDomainAt(deps, build.versionId) };
}
