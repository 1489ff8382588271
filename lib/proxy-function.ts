/**
 * The proxy Lambda (docs/reference.md#proxy-environment): bundled with the shared esbuild settings, the CA bundle in its asset,
 * and a role that can read exactly one table item type and one secret.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { CA_BUNDLE_ASSET_FILE, PROJECT_ROOT, bundlingWithCaBundle } from './lambda-bundling';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from './lambda-runtime';
import {
  PROXY_DEFAULTS,
  PROXY_ENV,
  PROXY_SERVICE_NAME,
  type CaSignedPolicy,
  type ClientIpHeader,
} from '../shared/contracts/proxy';
import { METRICS_NAMESPACE, POWERTOOLS_ENV } from '../shared/contracts/telemetry';
import { PROXY_ENTRY } from './proxy-bundling';

/** API Gateway's default integration timeout. */
const API_GATEWAY_TIMEOUT_SECONDS = 29;
/** Seconds the function may run after the upstream deadline (relay the 504, flush metrics). */
const TIMEOUT_MARGIN_SECONDS = 3;

export interface ProxyFunctionProps {
  /** Auth0's forwarding target host (no scheme). */
  readonly forwardingTarget: string;
  readonly table: dynamodb.ITable;
  readonly secret: secretsmanager.ISecret;
  /** The customer-managed KMS key the secret is encrypted with. @default - aws/secretsmanager */
  readonly secretKmsKeyArn?: string;
  /** Absolute path of the trusted client CA bundle, shipped in the asset. */
  readonly caBundlePath: string;
  readonly allowedPaths: readonly string[];
  readonly caSignedPolicy: CaSignedPolicy;
  readonly clientIpHeader: ClientIpHeader;
  /** @default PROXY_DEFAULTS.upstreamTimeoutMs (25 s, below API Gateway's 29 s) */
  readonly upstreamTimeoutMs?: number;
  /** @default PROXY_DEFAULTS.registryCacheTtlSeconds (30) */
  readonly registryCacheTtlSeconds?: number;
  /** @default PROXY_DEFAULTS.secretCacheTtlSeconds (300) */
  readonly secretCacheTtlSeconds?: number;
  /** @default 256 */
  readonly memorySize?: number;
}

export class ProxyFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProxyFunctionProps) {
    super(scope, id);
    const upstreamTimeoutMs = props.upstreamTimeoutMs ?? PROXY_DEFAULTS.upstreamTimeoutMs;
    const timeoutSeconds = Math.ceil(upstreamTimeoutMs / 1000) + TIMEOUT_MARGIN_SECONDS;
    if (timeoutSeconds >= API_GATEWAY_TIMEOUT_SECONDS) {
      throw new Error(
        `upstreamTimeoutMs ${upstreamTimeoutMs} leaves no room below API Gateway's ${API_GATEWAY_TIMEOUT_SECONDS} s integration timeout`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Customer edge proxy: reads registry items and the CNAME API key',
    });
    this.logGroup.grantWrite(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [props.table.tableArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.secret.secretArn],
      }),
    );
    if (props.secretKmsKeyArn) {
      // Secrets Manager decrypts a secret with its customer-managed key on the caller's behalf: the
      // caller needs kms:Decrypt on that key, here only through Secrets Manager in this region.
      // https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.secretKmsKeyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, PROXY_ENTRY),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: props.memorySize ?? 256,
      timeout: Duration.seconds(timeoutSeconds),
      role,
      logGroup: this.logGroup,
      description: `Customer edge: mTLS proxy to ${props.forwardingTarget}`,
      bundling: bundlingWithCaBundle(props.caBundlePath),
      environment: {
        [PROXY_ENV.forwardingTarget]: `https://${props.forwardingTarget}`,
        [PROXY_ENV.secretId]: props.secret.secretArn,
        [PROXY_ENV.registryTableName]: props.table.tableName,
        [PROXY_ENV.caBundleFile]: CA_BUNDLE_ASSET_FILE,
        [PROXY_ENV.allowedPaths]: props.allowedPaths.join(','),
        [PROXY_ENV.caSignedPolicy]: props.caSignedPolicy,
        [PROXY_ENV.clientIpHeader]: props.clientIpHeader,
        [PROXY_ENV.upstreamTimeoutMs]: String(upstreamTimeoutMs),
        [PROXY_ENV.registryCacheTtlSeconds]: String(
          props.registryCacheTtlSeconds ?? PROXY_DEFAULTS.registryCacheTtlSeconds,
        ),
        [PROXY_ENV.secretCacheTtlSeconds]: String(
          props.secretCacheTtlSeconds ?? PROXY_DEFAULTS.secretCacheTtlSeconds,
        ),
        [POWERTOOLS_ENV.serviceName]: PROXY_SERVICE_NAME,
        [POWERTOOLS_ENV.metricsNamespace]: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  }
}
