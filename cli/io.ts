import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

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
}
