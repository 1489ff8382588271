import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STACK_NAME } from '../shared/contracts/stack';
import { resolveAuth0Settings } from './auth0/settings';
import { Auth0Tenant } from './auth0/tenant';
import {
  createCloudFormationClient,
  createDynamoDbClient,
  createS3Client,
  createSecretsManagerClient,
  readDeployedTruststore,
  resolveTableName,
} from './aws';
import type { CliIo } from './io';
import { registryHost, type RegistryHost } from './next-steps';

/**
 * What a command runs with: output, time, the registry client and table, the Auth0 tenant (all resolved
 * lazily). Every line it prints passes {@link Context.redact}: the Auth0 M2M secret never reaches output.
 */
export class Context {
  private client?: DynamoDBClient;
  private s3Client?: S3Client;
  private tableName?: Promise<string>;
  private secretsManager?: SecretsManagerClient;
  private tenant?: Promise<Auth0Tenant>;
  private readonly secrets: string[] = [];

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
    this.io.stdout.write(this.redact(`${line}\n`));
  }

  /** One line to stderr. */
  err(line: string): void {
    this.io.stderr.write(this.redact(`${line}\n`));
  }

  /** `text` with every secret this run holds replaced by `[REDACTED]`. */
  redact(text: string): string {
    return this.secrets.reduce((t, secret) => t.split(secret).join('[REDACTED]'), text);
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

  /** The Auth0 Management API, configured from the environment or the M2M secret (resolved once). */
  auth0(): Promise<Auth0Tenant> {
    this.tenant ??= (async () => {
      const settings = await resolveAuth0Settings(this.io.env, async () => {
        if (this.io.secretsManager) return this.io.secretsManager();
        this.secretsManager ??= await createSecretsManagerClient(this.io.env);
        return this.secretsManager;
      });
      this.secrets.push(settings.clientSecret);
      return Auth0Tenant.connect(settings, this.io.auth0Fetch);
    })();
    return this.tenant;
  }

  /**
   * The truststore the deployed stack publishes (for a registry that is not the local edge's), or why it
   * cannot be read; `undefined` when there is none to read (no such stack or output).
   */
  deployedTruststore(): ReturnType<typeof readDeployedTruststore> {
    if (this.registryHost().kind !== 'deployed') return Promise.resolve(undefined);
    return readDeployedTruststore(
      this.globals.stack ?? STACK_NAME,
      this.io.cloudformation ?? (() => createCloudFormationClient(this.io.env)),
      async () => {
        if (this.io.s3) return this.io.s3();
        this.s3Client ??= await createS3Client(this.io.env);
        return this.s3Client;
      },
    );
  }

  /** Where the registry lives: the local edge's (loopback endpoint) or a deployed stack's. */
  registryHost(): RegistryHost {
    return registryHost(this.io.env, this.globals.stack);
  }

  /** Whether a table was named explicitly (--table or REGISTRY_TABLE_NAME), without asking CloudFormation. */
  hasExplicitTable(): boolean {
    return Boolean(this.globals.table ?? this.io.env.REGISTRY_TABLE_NAME);
  }

  close(): void {
    // Only clients we created: an injected one belongs to the caller.
    if (this.client && !this.io.dynamodb) this.client.destroy();
    this.secretsManager?.destroy();
    this.s3Client?.destroy();
  }
}
