/**
 * The proxy Lambda (CONTRACT 2): bundled with the shared esbuild settings, the CA bundle in its asset,
 * and a role that can read exactly one table item type and one secret.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { CA_BUNDLE_ASSET_FILE, PROJECT_ROOT, bundlingWithCaBundle } from './lambda-bundling';
import { PROXY_ENTRY } from './proxy-bundling';

/** API Gateway's default integration timeout. */
const API_GATEWAY_TIMEOUT_SECONDS = 29;
/** Seconds the function may run after the upstream deadline (relay the 504, flush metrics). */
const TIMEOUT_MARGIN_SECONDS = 3;

export const METRICS_NAMESPACE = 'CustomerEdge';

export interface ProxyFunctionProps {
  /** Auth0's forwarding target host (no scheme). */
  readonly forwardingTarget: string;
  readonly table: dynamodb.ITable;
  readonly secret: secretsmanager.ISecret;
  /** Absolute path of the trusted client CA bundle, shipped in the asset. */
  readonly caBundlePath: string;
  readonly allowedPaths: readonly string[];
  readonly caSignedPolicy: 'any' | 'registered';
  readonly clientIpHeader: string;
  /** @default 25000 */
  readonly upstreamTimeoutMs?: number;
  /** @default 30 */
  readonly registryCacheTtlSeconds?: number;
  /** @default 300 */
  readonly secretCacheTtlSeconds?: number;
  /** @default 256 */
  readonly memorySize?: number;
}

export class ProxyFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProxyFunctionProps) {
    super(scope, id);
    const upstreamTimeoutMs = props.upstreamTimeoutMs ?? 25_000;
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

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, PROXY_ENTRY),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: Duration.seconds(timeoutSeconds),
      role,
      logGroup: this.logGroup,
      description: `Customer edge: mTLS proxy to ${props.forwardingTarget}`,
      bundling: bundlingWithCaBundle(props.caBundlePath),
      environment: {
        FORWARDING_TARGET: `https://${props.forwardingTarget}`,
        CNAME_API_KEY_SECRET_ID: props.secret.secretArn,
        REGISTRY_TABLE_NAME: props.table.tableName,
        CA_BUNDLE_FILE: CA_BUNDLE_ASSET_FILE,
        ALLOWED_PATHS: props.allowedPaths.join(','),
        CA_SIGNED_POLICY: props.caSignedPolicy,
        CLIENT_IP_HEADER: props.clientIpHeader,
        UPSTREAM_TIMEOUT_MS: String(upstreamTimeoutMs),
        REGISTRY_CACHE_TTL_SECONDS: String(props.registryCacheTtlSeconds ?? 30),
        SECRET_CACHE_TTL_SECONDS: String(props.secretCacheTtlSeconds ?? 300),
        POWERTOOLS_SERVICE_NAME: 'customer-edge-proxy',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  }
}
