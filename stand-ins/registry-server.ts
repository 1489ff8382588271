/**
 * An embedded DynamoDB-compatible registry (dynalite, in memory) for tests, the benchmark and the local
 * edge. dynalite has no transactions, streams or UpdateTimeToLive: code that needs those is tested
 * another way. With an IAM gate (given, or installed for the process when the server starts) a small
 * front checks every call against the caller's policies first and answers DynamoDB's
 * AccessDeniedException (HTTP 400) when they do not allow it.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { REGISTRY_KEY } from '../shared/registry-model';
import { LOCAL_ACCOUNT, accessKeyIdOf, activeIamGate, type IamGate } from './iam-gate';
import { close, listen, readBodyBytes } from './listen';

export interface RegistryServer {
  readonly endpoint: string;
  readonly port: number;
  /** Counts requests by X-Amz-Target operation (e.g. `GetItem`). */
  readonly calls: Map<string, number>;
  /** A client pointed at this server. @default credentials - the tests' fixture principal (unchecked) */
  client(credentials?: { accessKeyId: string; secretAccessKey: string }): DynamoDBClient;
  close(): Promise<void>;
}

/** Throwaway credentials for loopback stand-ins (they check no signature). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

export interface RegistryServerOptions {
  /** @default - the IAM gate installed for the process when the server starts, if any */
  readonly iam?: IamGate;
}

/** The ARN of a stand-in table (region LOCAL_REGION, account LOCAL_ACCOUNT). */
export function tableArn(tableName: string): string {
  return `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName}`;
}

/** An IAM front before dynalite: decides each call, forwards the allowed ones. */
async function startIamFront(backendPort: number, gate: IamGate, port: number): Promise<Server> {
  const front = createServer((req, res) => {
    void (async () => {
      const body = await readBodyBytes(req);
      const operation =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      let tableName: string | undefined;
      try {
        tableName = (JSON.parse(body.toString('utf8') || '{}') as { TableName?: string }).TableName;
      } catch {
        tableName = undefined;
      }
      const action = `dynamodb:${operation}`;
      const resource = tableName ? tableArn(tableName) : '*';
      const decision = await gate.authorize({
        accessKeyId: accessKeyIdOf(req.headers.authorization),
        action,
        resource,
      });
      if (!decision.allowed) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazon.coral.service#AccessDeniedException',
            Message: `User: ${decision.principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
          }),
        );
        return;
      }
      const out = httpRequest(
        { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    })().catch(() => res.destroy());
  });
  await listen(front, port);
  return front;
}

export async function startRegistryServer(
  port = 0,
  options: RegistryServerOptions = {},
): Promise<RegistryServer> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const calls = new Map<string, number>();
  server.prependListener('request', (req) => {
    const target =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    calls.set(target, (calls.get(target) ?? 0) + 1);
  });
  const gate = options.iam ?? activeIamGate();
  const backendPort = await listen(server, gate ? 0 : port);
  const front = gate ? await startIamFront(backendPort, gate, port) : undefined;
  const bound = front ? (front.address() as { port: number }).port : backendPort;
  const endpoint = `http://127.0.0.1:${bound}`;
  const clients: DynamoDBClient[] = [];
  return {
    endpoint,
    port: bound,
    calls,
    client(credentials = LOCAL_CREDENTIALS) {
      const c = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      if (front) await close(front);
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
