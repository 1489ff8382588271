/**
 * The mTLS truststore as derived data: truststore = CA bundle + every active self-signed certificate in
 * the registry. A versioned bucket holds it; one builder Lambda writes it on deploy (a custom resource
 * whose `VersionId` the domain pins), on every registry change (the table's stream) and daily (expiry
 * warnings, expired entries drop out). Builds may overlap (no reserved concurrency: a fresh account's
 * low concurrency limit refuses it); the publication record in the bucket keeps them correct
 * (lambda/truststore-builder/core.ts).
 */
import {
  ArnFormat,
  CfnResource,
  CustomResource,
  Duration,
  Lazy,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { logSinkBucket } from './log-bucket';
import { Construct } from 'constructs';
import * as path from 'node:path';
import {
  BUILDER_ENV,
  BUILDER_SERVICE_NAME,
  INSPECT_ACTION,
  STREAM_BATCHING_WINDOW_SECONDS,
  TRUSTSTORE_KEY,
  TRUSTSTORE_STATE_KEY,
} from '../shared/contracts/truststore-builder';
import { createHash } from 'node:crypto';
import { CA_BUNDLE_ASSET_FILE, PROJECT_ROOT, bundlingWithCaBundle } from './lambda-bundling';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from './lambda-runtime';
import { METRICS_NAMESPACE, POWERTOOLS_ENV } from '../shared/contracts/telemetry';

/** Logical ID of the truststore bucket (pinned by a test: changing it would replace the bucket). */
export const TRUSTSTORE_BUCKET_LOGICAL_ID = 'TruststoreBucket';

export interface TruststoreProps {
  /** The registry table; its stream triggers rebuilds. */
  readonly table: dynamodb.ITable;
  /** Absolute path of the trusted client CA bundle, shipped in the builder's asset. */
  readonly caBundlePath: string;
  /** SHA-256 of the CA bundle: a changed bundle re-runs the deploy-time build. */
  readonly caBundleSha256: string;
  /** The API Gateway custom domain the builder keeps on the latest version (`mtls.<domain>`). */
  readonly domainName: string;
  /** @default Duration.days(90) - how long superseded truststore versions are kept (rollback window) */
  readonly noncurrentVersionRetention?: Duration;
  /** @default Duration.days(1) - rebuild on a schedule too (expiry warnings, expired entries drop out) */
  readonly rebuildInterval?: Duration;
}

export class Truststore extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly key = TRUSTSTORE_KEY;
  readonly builder: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  /** The truststore object's version published on deploy (or the latest one): the domain's `mtls.version`. */
  readonly version: string;
  private readonly provider: CustomResource;

  constructor(scope: Construct, id: string, props: TruststoreProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.accessLogsBucket = logSinkBucket(
      this,
      'AccessLogs',
      'This bucket receives the truststore bucket access logs; logging it into itself would loop',
    );

    this.bucket = new s3.Bucket(this, 'Bucket', {
      // API Gateway pins a truststore *version*: without versioning there is nothing to point at.
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'expire-superseded-truststores',
          noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'truststore/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.bucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(TRUSTSTORE_BUCKET_LOGICAL_ID);

    this.logGroup = new logs.LogGroup(this, 'BuilderLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, 'BuilderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Customer edge truststore builder: registry scan, truststore object, domain truststore version',
    });
    this.logGroup.grantWrite(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [props.table.tableArn] }),
    );
    // No s3:ListBucket (least privilege): S3 then answers 403 for a missing key, which the builder
    // never takes for "absent" without a conditional create to confirm it (core.ts, readState).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // GetObject covers HeadObject; GetObjectVersion: API Gateway requires the caller of
        // UpdateDomainName to be able to read the truststore version it names ("To update the
        // truststore, you must have permissions to access the S3 object", MutualTlsAuthenticationInput).
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        resources: [this.bucket.arnForObjects(TRUSTSTORE_KEY)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // The publication record: read, then replaced by conditional writes (PutObject covers them).
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.bucket.arnForObjects(TRUSTSTORE_STATE_KEY)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['apigateway:GET', 'apigateway:PATCH'],
        resources: [
          stack.formatArn({
            service: 'apigateway',
            account: '',
            resource: '/domainnames',
            resourceName: props.domainName,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );

    this.builder = new NodejsFunction(this, 'Builder', {
      entry: path.join(PROJECT_ROOT, 'lambda/truststore-builder/index.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: 512,
      // A build takes seconds; the first one may wait up to VERSIONING_WAIT_MS (13 min) for the new
      // bucket's versioning to take effect (core.ts). 15 minutes is Lambda's maximum.
      timeout: Duration.minutes(15),
      // No reserved concurrency: it must leave the account 10 unreserved executions, which a fresh
      // account (limit 10) cannot ("decreases account's UnreservedConcurrentExecution below its minimum
      // value of [10]"). Concurrent builds are correct by design (core.ts).
      role,
      logGroup: this.logGroup,
      description:
        'Customer edge: builds and publishes the mTLS truststore from the CA bundle and the registry',
      bundling: bundlingWithCaBundle(props.caBundlePath),
      environment: {
        [BUILDER_ENV.registryTableName]: props.table.tableName,
        [BUILDER_ENV.bucket]: this.bucket.bucketName,
        [BUILDER_ENV.key]: TRUSTSTORE_KEY,
        [BUILDER_ENV.stateKey]: TRUSTSTORE_STATE_KEY,
        [BUILDER_ENV.domainName]: props.domainName,
        [BUILDER_ENV.caBundleFile]: CA_BUNDLE_ASSET_FILE,
        [POWERTOOLS_ENV.serviceName]: BUILDER_SERVICE_NAME,
        [POWERTOOLS_ENV.metricsNamespace]: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    this.builder.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        // Coalesce a burst of CLI changes into one build; each build reads the whole registry anyway.
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(STREAM_BATCHING_WINDOW_SECONDS),
        retryAttempts: 10,
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams (added by the DynamoDB event source) has no resource-level permissions; the stream read actions are scoped to the registry stream',
    });

    new events.Rule(this, 'Rebuild', {
      description: 'Daily truststore rebuild: expiry warnings, expired self-signed entries drop out',
      schedule: events.Schedule.rate(props.rebuildInterval ?? Duration.days(1)),
      targets: [new targets.LambdaFunction(this.builder, { retryAttempts: 2 })],
    });

    this.provider = new CustomResource(this, 'Version', {
      serviceToken: this.builder.functionArn,
      resourceType: 'Custom::Truststore',
      // Above the builder's 15-minute timeout (CloudFormation accepts up to 3600 s).
      serviceTimeout: Duration.minutes(20),
      properties: {
        Bucket: this.bucket.bucketName,
        Key: TRUSTSTORE_KEY,
        CaBundleSha256: props.caBundleSha256,
      },
    });
    // The role's policies and the bucket's versioning must be in place before the first build.
    this.provider.node.addDependency(role, this.bucket);
    this.version = this.provider.getAttString('VersionId');
  }

  /**
   * Ties the truststore version to the domain and reads the domain back after every update of it:
   * - the deploy-time build's properties carry a digest of every property of the domain except its
   *   TruststoreVersion, so ANY CloudFormation update of the domain (a changed certificate, a CDK
   *   upgrade emitting a new property, a policy change) first re-runs the build, which returns the
   *   CURRENT version: CloudFormation never re-applies a stale pinned version;
   * - after the domain, the inspection points it at the current version again (a registry-driven build
   *   may have published while CloudFormation applied the deploy-time one) and reports API Gateway's
   *   truststore warnings (alarmed).
   * (Not named `inspect`: CDK's tree renderer calls any construct method of that name.)
   */
  reportWarningsOf(domain: apigateway.DomainName): void {
    const cfnDomain = domain.node.defaultChild as CfnResource;
    const stack = Stack.of(this);
    const digest = Lazy.string({
      produce: () => {
        // The domain as CloudFormation gets it; its TruststoreVersion refers to this very custom
        // resource (Fn::GetAtt), so it is left out of the digest (no cycle, and it is not an input).
        const rendered = (
          cfnDomain as unknown as { _toCloudFormation(): { Resources: object } }
        )._toCloudFormation().Resources;
        const resolved = JSON.parse(JSON.stringify(stack.resolve(rendered))) as Record<
          string,
          { Properties?: { MutualTlsAuthentication?: Record<string, unknown> } }
        >;
        for (const resource of Object.values(resolved)) {
          delete resource.Properties?.MutualTlsAuthentication?.TruststoreVersion;
        }
        return createHash('sha256').update(JSON.stringify(resolved)).digest('hex');
      },
    });
    (this.provider.node.defaultChild as CfnResource).addPropertyOverride('DomainDigest', digest);
    const inspection = new CustomResource(this, 'Inspection', {
      serviceToken: this.builder.functionArn,
      resourceType: 'Custom::TruststoreInspection',
      serviceTimeout: Duration.minutes(20),
      properties: {
        Action: INSPECT_ACTION,
        DomainName: domain.domainName,
        VersionId: this.version,
        DomainDigest: digest,
      },
    });
    inspection.node.addDependency(this.provider);
  }
}
