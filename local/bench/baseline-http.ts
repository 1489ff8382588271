/**
 * A second reference, not among the keys of docs/reference.md#benchmark: the baseline with Node's `http` client and a keep-alive agent
 * (the proxy's own transport) instead of `fetch`. On Node.js 20 `fetch` (undici) costs more per request
 * than `http.request`, so the `fetch` baseline can be slower than the whole edge; against this one the
 * difference is the edge's own work (certificate check, caches, headers, logging, metrics, base64).
 * Same SDK clients, never called; forwards method, path and body; returns status and body.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Agent, request } from 'node:http';

export const dynamo = new DynamoDBClient({});
export const secrets = new SecretsManagerClient({});

const target = new URL(process.env.FORWARDING_TARGET ?? 'http://127.0.0.1');
const agent = new Agent({ keepAlive: true });

export function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body =
    event.body === null || event.body === undefined
      ? undefined
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { agent, hostname: target.hostname, port: target.port, method: event.httpMethod, path: event.path },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ statusCode: res.statusCode ?? 502, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
