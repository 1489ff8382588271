/**
 * AWS clients and the registry table name. Region, endpoint and credentials come from the SDK's standard
 * settings; the one exception is a loopback endpoint (the local edge's embedded registry) with no AWS
 * credentials configured at all, where throwaway credentials and `us-east-1` make
 * `AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 npx edge-certs --table … list` work on a bare machine.
 */
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { S3Client } from '@aws-sdk/client-s3';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { STACK_NAME, STACK_OUTPUTS } from '../shared/contracts/stack';
import { TRUSTSTORE_KEY } from '../shared/contracts/truststore-builder';
import { asError } from '../shared/errors';
import { failure, usageError } from './errors';
import type { CliIo } from './io';

type Env = CliIo['env'];

/** The stack output that names the registry table. */
const REGISTRY_TABLE_OUTPUT = STACK_OUTPUTS.registryTableName;

/**
 * Throwaway credentials for a loopback endpoint. The access key id names the operator principal in the
 * tests' IAM-enforcing stand-ins (stand-ins/iam-gate.ts, PRINCIPAL_CREDENTIALS.operator).
 */
export const LOOPBACK_CREDENTIALS = { accessKeyId: 'local-operator', secretAccessKey: 'local' };
const LOOPBACK_REGION = 'us-east-1';

export function isLoopbackUrl(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const host = new URL(value).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

/** Whether any AWS credential source is configured (environment, profile, container, or files with keys). */
export function hasConfiguredCredentials(env: Env): boolean {
  const sources = [
    'AWS_ACCESS_KEY_ID',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ];
  if (sources.some((name) => env[name])) return true;
  const home = env.HOME ?? homedir();
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'),
    env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'),
  ];
  return files.some((file) => {
    try {
      return (
        existsSync(file) &&
        /aws_access_key_id|credential_process|role_arn|sso_/i.test(readFileSync(file, 'utf8'))
      );
    } catch {
      return false;
    }
  });
}

/** Client settings for a service: the SDK's own, or throwaway ones for an unconfigured loopback endpoint. */
export function clientSettings(
  service: 'DYNAMODB' | 'CLOUDFORMATION' | 'SECRETS_MANAGER' | 'S3',
  env: Env,
): { region?: string; credentials?: typeof LOOPBACK_CREDENTIALS } {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  if (!isLoopbackUrl(endpoint) || hasConfiguredCredentials(env)) return {};
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? LOOPBACK_REGION,
    credentials: LOOPBACK_CREDENTIALS,
  };
}

export function createDynamoDbClient(env: Env): DynamoDBClient {
  return new DynamoDBClient(clientSettings('DYNAMODB', env));
}

export function createCloudFormationClient(env: Env): CloudFormationClient {
  return new CloudFormationClient(clientSettings('CLOUDFORMATION', env));
}

/** Loaded on first use: only `AUTH0_M2M_SECRET_ID` needs it, and every command would pay for it. */
export async function createSecretsManagerClient(env: Env): Promise<SecretsManagerClient> {
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  return new SecretsManagerClient(clientSettings('SECRETS_MANAGER', env));
}

/** Loaded on first use: only reading the deployed truststore needs it. */
export async function createS3Client(env: Env): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client(clientSettings('S3', env));
}

/**
 * The deployed truststore object (the `TruststoreBucketName` output of the stack, key `truststore.pem`),
 * or why it cannot be read: `undefined` when the stack has no such output (nothing deployed to read).
 */
export async function readDeployedTruststore(
  stack: string,
  cloudformation: () => CloudFormationClient,
  s3: () => Promise<S3Client>,
): Promise<{ readonly pem: string; readonly where: string } | { readonly problem: string } | undefined> {
  let bucket: string | undefined;
  try {
    const { Stacks: stacks } = await cloudformation().send(new DescribeStacksCommand({ StackName: stack }));
    bucket = stacks?.[0]?.Outputs?.find(
      (o) => o.OutputKey === STACK_OUTPUTS.truststoreBucketName,
    )?.OutputValue;
  } catch (error) {
    // No such stack (a table named by --table alone): nothing deployed to check against.
    if (/does not exist/i.test(asError(error).message)) return undefined;
    // Anything else (no credentials, AccessDenied, no network) is said, not swallowed: the check was skipped.
    return {
      problem: `reading the outputs of stack ${stack} failed: ${asError(error).name}: ${asError(error).message.split('\n')[0]}`,
    };
  }
  if (!bucket) return undefined;
  const where = `s3://${bucket}/${TRUSTSTORE_KEY}`;
  try {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const object = await (await s3()).send(new GetObjectCommand({ Bucket: bucket, Key: TRUSTSTORE_KEY }));
    return { pem: (await object.Body?.transformToString('utf8')) ?? '', where };
  } catch (error) {
    return {
      problem: `reading ${where} failed: ${asError(error).name}: ${asError(error).message.split('\n')[0]}`,
    };
  }
}

/** Errors that mean "not set up", not "AWS failed": a usage problem (exit 2). */
function isConfigurationError(error: Error): boolean {
  return (
    error.name === 'CredentialsProviderError' ||
    error.name === 'ValidationError' ||
    /region is missing|could not load credentials|does not exist/i.test(error.message)
  );
}

/**
 * The registry table: `--table`, else `REGISTRY_TABLE_NAME`, else the `RegistryTableName` output of the
 * deployed stack (`--stack`, default `CustomerEdge`).
 */
export async function resolveTableName(
  options: { readonly table?: string; readonly stack?: string },
  env: Env,
  cloudformation: () => CloudFormationClient,
): Promise<string> {
  if (options.table) return options.table;
  if (env.REGISTRY_TABLE_NAME) return env.REGISTRY_TABLE_NAME;
  const stack = options.stack ?? STACK_NAME;
  const hint = 'pass --table NAME or set REGISTRY_TABLE_NAME';
  let outputs: Output[] | undefined;
  try {
    const { Stacks: stacks } = await cloudformation().send(new DescribeStacksCommand({ StackName: stack }));
    outputs = stacks?.[0]?.Outputs;
  } catch (error) {
    const e = asError(error);
    const message = `no registry table configured: ${hint} (reading the ${REGISTRY_TABLE_OUTPUT} output of stack ${stack} failed: ${e.message.split('\n')[0]})`;
    throw isConfigurationError(e) ? usageError(message) : failure(message);
  }
  const name = outputs?.find((output) => output.OutputKey === REGISTRY_TABLE_OUTPUT)?.OutputValue;
  if (!name) {
    throw usageError(
      `no registry table configured: ${hint} (stack ${stack} has no ${REGISTRY_TABLE_OUTPUT} output)`,
    );
  }
  return name;
}
