import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createCloudFormationClient, createDynamoDbClient, resolveTableName } from './aws';
import type { CliIo } from './io';

/** What a command runs with: output, time, the registry client and table (both resolved lazily). */
export class Context {
  private client?: DynamoDBClient;
  private tableName?: Promise<string>;

  constructor(
    readonly io: CliIo,
    private readonly globals: { readonly table?: string; readonly stack?: string },
  ) {}

  get cwd(): string {
    return this.io.cwd ?? process.cwd();
  }

  now(): Date {
    return this.io.now?.() ?? new Date();
  }

  /** One line to stdout. */
  out(line = ''): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** One line to stderr. */
  err(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  dynamodb(): DynamoDBClient {
    this.client ??= this.io.dynamodb?.() ?? createDynamoDbClient(this.io.env);
    return this.client;
  }

  table(): Promise<string> {
    this.tableName ??= resolveTableName(
      this.globals,
      this.io.env,
      this.io.cloudformation ?? (() => createCloudFormationClient(this.io.env)),
    );
    return this.tableName;
  }

  /** Whether a table was named explicitly (--table or REGISTRY_TABLE_NAME), without asking CloudFormation. */
  hasExplicitTable(): boolean {
    return Boolean(this.globals.table ?? this.io.env.REGISTRY_TABLE_NAME);
  }

  close(): void {
    // Only clients we created: an injected one belongs to the caller.
    if (this.client && !this.io.dynamodb) this.client.destroy();
  }
}
