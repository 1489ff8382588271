/**
 * The truststore builder's core: truststore = CA bundle + every active self-signed certificate of the
 * registry, checked with the shared truststore rules, published as a new S3 object version only when it
 * changed and only when it passed, then (for registry changes) pointed at by the API Gateway domain.
 *
 * Builds may run at the same time (the registry stream, the schedule and CloudFormation each invoke the
 * function; there is no reserved concurrency). They agree through the publication record (the state
 * object, `TRUSTSTORE_STATE_KEY`), which names the current truststore version and is only ever replaced
 * by a conditional write on the ETag that the build read before it scanned the registry:
 * - a build reads the record, THEN scans the registry (a consistent Scan), so the registry state it
 *   publishes is at least as new as the record it replaces;
 * - every record carries a fresh claim id, so no two records share an ETag (no ABA), and a build whose
 *   registry state is unchanged still re-claims the record: a slower build holding an older scan cannot
 *   replace it afterwards;
 * - a build that loses the race (412/409) starts over: it re-reads the record and re-scans the registry;
 * - the domain is pointed at the version the record names when the build is done (not at "its own"), and
 *   read back; when the record moved meanwhile, the build points the domain again.
 * So once the builds triggered by the last registry change are done, the record and the domain hold a
 * truststore built from a scan made after that change.
 * S3 conditional writes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
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
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { scanRegistryContents } from '../../shared/registry-store';
import type { TruststoreFinding } from '../../shared/truststore';
import { assembleFromRegistry, type Exclusion } from '../../shared/truststore-registry';
import { BuilderMetric } from '../../shared/contracts/truststore-builder';

/** S3 user metadata key holding the SHA-256 (hex) of the truststore text (for operators reading the object). */
export const SHA256_METADATA_KEY = 'truststore-sha256';

/**
 * How long a write waits for the bucket's versioning to take effect. S3: "it may take up to 15 minutes
 * for the change to fully propagate" after versioning is first enabled
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/manage-versioning-examples.html); the first
 * deploy writes seconds after. The builder's timeout (lib/truststore.ts) leaves room for it.
 */
export const VERSIONING_WAIT_MS = 13 * 60_000;
/** Longest single pause while waiting for versioning. */
const VERSIONING_POLL_MAX_MS = 30_000;
/** Rounds a build tries before giving up when other builds keep replacing the record. */
export const MAX_PUBLISH_ATTEMPTS = 8;
/** Rounds of pointing the domain at the record's version before giving up. */
const MAX_DOMAIN_ATTEMPTS = 8;

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
  /** The publication record's key (TRUSTSTORE_STATE_KEY). */
  readonly stateKey: string;
  /** The API Gateway custom domain, `mtls.<domain>`. */
  readonly domainName: string;
  /** The trusted client CA bundle shipped with the function. */
  readonly caBundlePem: string;
  readonly log: BuilderLog;
  readonly metrics: BuilderMetrics;
  /** @default - the current time */
  readonly now?: () => Date;
  /** Pauses between attempts. @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The publication record (the state object's JSON). */
export interface PublishedTruststore {
  /** The current truststore version: what the domain must use. */
  readonly versionId: string;
  readonly sha256: string;
  readonly certificates: number;
  readonly selfSigned: number;
  /** When the build that wrote this record scanned the registry. */
  readonly scannedAt: string;
  /** Unique per write: two records never share an ETag, so a compare-and-set cannot be fooled (ABA). */
  readonly claim: string;
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
      /** The current version after this build (the one just written, or the existing one). */
      readonly versionId: string;
      readonly sha256: string;
      readonly certificates: number;
      readonly selfSigned: number;
      /** Rounds this build needed (more than 1 when another build published first). */
      readonly attempts: number;
    };

export class UnversionedBucketError extends Error {
  constructor(bucket: string, waitedMs: number) {
    super(
      `s3://${bucket} returned no VersionId (waited ${Math.round(waitedMs / 1000)} s for versioning to take effect): the truststore bucket must be versioned (API Gateway pins a truststore version)`,
    );
    this.name = 'UnversionedBucketError';
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function statusOf(error: unknown): { name?: string; status?: number } {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e?.name, status: e?.$metadata?.httpStatusCode };
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Short, jittered pause after losing a race, growing with the round. */
function raceBackoffMs(attempt: number): number {
  return Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

type StateRead =
  | { readonly kind: 'found'; readonly state: PublishedTruststore; readonly etag: string }
  | { readonly kind: 'absent' }
  /**
   * 403: S3 answers it for a missing key when the caller has no s3:ListBucket, which this role does not
   * get (least privilege), so "forbidden" may well mean "absent". It is never taken for granted: the
   * record is then only CREATED (If-None-Match: *), which S3 refuses (412) when it exists after all.
   * HeadObject/GetObject, "Permissions": https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
   */
  | { readonly kind: 'forbidden' };

/** The publication record as it is now. */
export async function readState(deps: BuilderDeps): Promise<StateRead> {
  try {
    const got = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: deps.stateKey }));
    const text = (await got.Body?.transformToString('utf8')) ?? '';
    const state = JSON.parse(text) as PublishedTruststore;
    if (typeof state.versionId !== 'string' || !got.ETag) {
      throw new Error(`s3://${deps.bucket}/${deps.stateKey} is not a publication record`);
    }
    return { kind: 'found', state, etag: got.ETag };
  } catch (error) {
    const { name, status } = statusOf(error);
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return { kind: 'absent' };
    if (name === 'AccessDenied' || status === 403) return { kind: 'forbidden' };
    throw error;
  }
}

/** Compare-and-set of the record: true when written, false when another build wrote it first. */
async function writeState(deps: BuilderDeps, state: PublishedTruststore, read: StateRead): Promise<boolean> {
  try {
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: deps.stateKey,
        Body: JSON.stringify(state),
        ContentType: 'application/json',
        ...(read.kind === 'found' ? { IfMatch: read.etag } : { IfNoneMatch: '*' }),
      }),
    );
    return true;
  } catch (error) {
    const { name, status } = statusOf(error);
    // 412 PreconditionFailed: the record changed; 409 ConditionalRequestConflict: a concurrent write won.
    if (status === 412 || status === 409 || name === 'PreconditionFailed') return false;
    throw error;
  }
}

/** Writes a new version of the truststore object and returns its VersionId, waiting (bounded) for versioning. */
async function putTruststoreVersion(deps: BuilderDeps, pem: string, hash: string): Promise<string> {
  const sleep = deps.sleep ?? defaultSleep;
  let waited = 0;
  for (let round = 0; ; round += 1) {
    const put = await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: deps.key,
        Body: pem,
        ContentType: 'application/x-pem-file',
        Metadata: { [SHA256_METADATA_KEY]: hash },
      }),
    );
    if (put.VersionId && put.VersionId !== 'null') return put.VersionId;
    if (waited >= VERSIONING_WAIT_MS) throw new UnversionedBucketError(deps.bucket, waited);
    const pause = Math.min(VERSIONING_POLL_MAX_MS, 1000 * 2 ** round, VERSIONING_WAIT_MS - waited);
    if (round === 0) {
      deps.log.warn('the bucket returned no VersionId: waiting for its versioning to take effect', {
        bucket: deps.bucket,
        maxWaitSeconds: VERSIONING_WAIT_MS / 1000,
      });
    }
    await sleep(pause);
    waited += pause;
  }
}

function findingData(finding: TruststoreFinding): Record<string, unknown> {
  return { code: finding.code, finding: finding.message, certificate: finding.certificate };
}

/**
 * Logs each registry entry left out of the truststore with its reason, and counts those that are faults
 * (alarmed): one bad registration is left out, it never blocks everyone else's.
 */
function reportExclusions(deps: BuilderDeps, excluded: readonly Exclusion[]): void {
  for (const exclusion of excluded) {
    const data = { ...exclusion };
    if (exclusion.fault) deps.log.error('registry entry left out of the truststore', data);
    else deps.log.info('registry entry left out of the truststore', data);
  }
  const faults = excluded.filter((exclusion) => exclusion.fault).length;
  if (faults > 0) deps.metrics.count(BuilderMetric.Exclusions, faults);
}

/**
 * Assembles and checks the truststore and publishes it when it passed: a new object version when it
 * differs from the recorded one, and in every case a new publication record (compare-and-set). A registry
 * entry the checks would refuse is left out (shared/truststore-registry.ts) and the rest is published;
 * what no single entry causes (a CA bundle problem) publishes nothing: the live truststore is never
 * replaced by a broken one.
 */
export async function buildTruststore(deps: BuilderDeps): Promise<BuildOutcome> {
  const sleep = deps.sleep ?? defaultSleep;
  let createRefused = false;
  for (let attempt = 1; ; attempt += 1) {
    const read = await readState(deps);
    if (read.kind === 'forbidden' && createRefused) {
      throw new Error(
        `s3://${deps.bucket}/${deps.stateKey} exists but reading it is denied (AccessDenied): the builder role needs s3:GetObject on it`,
      );
    }
    const current = read.kind === 'found' ? read.state : undefined;
    // Scanned AFTER the record was read: what this build publishes is at least as new as what it replaces.
    const now = deps.now?.() ?? new Date();
    const result = assembleFromRegistry(
      deps.caBundlePem,
      await scanRegistryContents(deps.dynamodb, deps.tableName),
      { now },
    );

    if (!result.ok) {
      reportExclusions(deps, result.excluded);
      for (const w of result.warnings) deps.log.warn('truststore check warning', findingData(w));
      if (result.warnings.length > 0) deps.metrics.count(BuilderMetric.Warnings, result.warnings.length);
      for (const error of result.errors) deps.log.error('truststore check error', findingData(error));
      deps.log.error('truststore refused: nothing published, the live truststore is unchanged', {
        errors: result.errors.length,
        liveVersionId: current?.versionId,
      });
      deps.metrics.count(BuilderMetric.Failures, 1);
      return { status: 'refused', errors: result.errors, currentVersionId: current?.versionId };
    }

    const hash = sha256(result.pem);
    const summary = { sha256: hash, certificates: result.certificates, selfSigned: result.included.length };
    const unchanged = current !== undefined && current.sha256 === hash;
    const versionId = unchanged ? current.versionId : await putTruststoreVersion(deps, result.pem, hash);
    const record: PublishedTruststore = {
      versionId,
      ...summary,
      scannedAt: now.toISOString(),
      claim: randomUUID(),
    };
    if (await writeState(deps, record, read)) {
      reportExclusions(deps, result.excluded);
      for (const w of result.warnings) deps.log.warn('truststore check warning', findingData(w));
      if (result.warnings.length > 0) deps.metrics.count(BuilderMetric.Warnings, result.warnings.length);
      if (unchanged) {
        deps.log.info('truststore unchanged: not publishing', { ...summary, versionId, attempt });
        return { status: 'unchanged', versionId, ...summary, attempts: attempt };
      }
      deps.log.info('truststore published', { ...summary, versionId, bytes: result.bytes, attempt });
      deps.metrics.count(BuilderMetric.Published, 1);
      return { status: 'published', versionId, ...summary, attempts: attempt };
    }
    if (read.kind === 'forbidden') createRefused = true;
    if (attempt >= MAX_PUBLISH_ATTEMPTS) {
      throw new Error(
        `gave up after ${attempt} rounds: other builds kept replacing s3://${deps.bucket}/${deps.stateKey}`,
      );
    }
    deps.log.info('another build published first: re-reading the record and the registry', {
      attempt,
      ...(unchanged ? {} : { unusedVersionId: versionId }),
    });
    await sleep(raceBackoffMs(attempt));
  }
}

/** Logs and counts every status message and truststore warning API Gateway reports for the domain. */
function reportDomain(deps: BuilderDeps, domain: GetDomainNameCommandOutput): string[] {
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
  /** The version the domain uses now: the one the publication record names. */
  readonly versionId: string;
  readonly messages: readonly string[];
}

/**
 * Points the domain at the version the publication record names (never at "this build's" version: a
 * newer build may have published since), then reads the domain and the record back: when either moved
 * meanwhile (another build), it goes round again. Reports the domain's warnings at the end.
 */
export async function pointDomainAtLatest(deps: BuilderDeps): Promise<DomainSync> {
  const sleep = deps.sleep ?? defaultSleep;
  let updated = false;
  let previousVersionId: string | undefined;
  for (let attempt = 1; ; attempt += 1) {
    const read = await readState(deps);
    if (read.kind !== 'found') {
      throw new Error(`no publication record to point the domain at (s3://${deps.bucket}/${deps.stateKey})`);
    }
    const target = read.state.versionId;
    const before = await deps.apigateway.send(new GetDomainNameCommand({ domainName: deps.domainName }));
    const current = before.mutualTlsAuthentication?.truststoreVersion;
    if (attempt === 1) previousVersionId = current;
    let after = before;
    if (current !== target) {
      await deps.apigateway.send(
        new UpdateDomainNameCommand({
          domainName: deps.domainName,
          patchOperations: [
            { op: 'replace', path: '/mutualTlsAuthentication/truststoreVersion', value: target },
          ],
        }),
      );
      updated = true;
      deps.log.info('domain pointed at the current truststore version', {
        domainName: deps.domainName,
        versionId: target,
        previousVersionId: current,
      });
      after = await deps.apigateway.send(new GetDomainNameCommand({ domainName: deps.domainName }));
    }
    const reread = await readState(deps);
    const settled =
      after.mutualTlsAuthentication?.truststoreVersion === target &&
      reread.kind === 'found' &&
      reread.state.versionId === target;
    if (settled) {
      return { updated, previousVersionId, versionId: target, messages: reportDomain(deps, after) };
    }
    if (attempt >= MAX_DOMAIN_ATTEMPTS) {
      throw new Error(`gave up after ${attempt} rounds: the domain or the publication record kept moving`);
    }
    await sleep(raceBackoffMs(attempt));
  }
}

/** A registry change (or the schedule): rebuild, publish if changed, keep the domain on the current version. */
export async function syncTruststore(
  deps: BuilderDeps,
): Promise<{ readonly build: BuildOutcome; readonly domain?: DomainSync }> {
  const build = await buildTruststore(deps);
  if (build.status === 'refused') return { build };
  return { build, domain: await pointDomainAtLatest(deps) };
}
