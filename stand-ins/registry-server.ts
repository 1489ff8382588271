/**
 * An embedded DynamoDB-compatible registry (dynalite, in memory) for tests, the benchmark and the local
 * edge. dynalite has no transactions, streams or UpdateTimeToLive: code that needs those is tested
 * another way.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { Server } from 'node:http';
import { REGISTRY_KEY } from '../shared/registry-model';
import { close, listen } from './listen';

export interface RegistryServer {
  readonly endpoint: string;
  readonly port: number;
  /** Counts requests by X-Amz-Target operation (e.g. `GetItem`). */
  readonly calls: Map<string, number>;
  /** A client pointed at this server with throwaway credentials. */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

/** Throwaway credentials for loopback stand-ins (they check no signature). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

export async function startRegistryServer(port = 0): Promise<RegistryServer> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const calls = new Map<string, number>();
  server.prependListener('request', (req) => {
    const target =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    calls.set(target, (calls.get(target) ?? 0) + 1);
  });
  const bound = await listen(server, port);
  const endpoint = `http://127.0.0.1:${bound}`;
  const clients: DynamoDBClient[] = [];
  return {
    endpoint,
    port: bound,
    calls,
    client() {
      const c = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      await close(server);
    },
  };
}

/** Creates the registry table with the production key schema (idempotent). */
export async function createRegistryTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: REGISTRY_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: REGISTRY_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
