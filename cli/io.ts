import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { S3Client } from '@aws-sdk/client-s3';
import type { NsResolver } from './preflight/check';

export interface Output {
  write(text: string): unknown;
}

/** Everything the CLI touches outside itself, injectable for tests. */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Environment (table name, endpoints, credentials detection). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths resolve against this. @default process.cwd() */
  readonly cwd?: string;
  /** @default - the current time */
  readonly now?: () => Date;
  /** @default - a client from the SDK's standard settings (see aws.ts) */
  readonly dynamodb?: () => DynamoDBClient;
  /** @default - a client from the SDK's standard settings (see aws.ts) */
  readonly cloudformation?: () => CloudFormationClient;
  /** Reads the Auth0 M2M secret named by `AUTH0_M2M_SECRET_ID`. @default - a client from the SDK's standard settings */
  readonly secretsManager?: () => SecretsManagerClient;
  /**
   * The HTTPS transport of the Auth0 Management API SDK.
   * @default - Node's global `fetch` (which trusts the CAs of `NODE_EXTRA_CA_CERTS`)
   */
  readonly auth0Fetch?: typeof fetch;
  /** Public NS lookups for preflight. @default - node:dns `resolveNs` */
  readonly resolveNs?: NsResolver;
  /** For the deployed truststore object. @default - a client from the SDK's standard settings (see aws.ts) */
  readonly s3?: () => S3Client;
}
