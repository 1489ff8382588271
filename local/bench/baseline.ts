/**
 * The benchmark's baseline: the least a Lambda in the edge's place must do. It creates the same AWS SDK
 * clients as the proxy (so their load and construction are part of its cold start too; they are never
 * called) and forwards method, path and body to the same upstream with `fetch`, returning the upstream's
 * status and body. No certificate check, no registry, no secret, no headers, no logging.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

// Exported so the bundler keeps them; the baseline never sends a command.
export const dynamo = new DynamoDBClient({});
export const secrets = new SecretsManagerClient({});

const target = process.env.FORWARDING_TARGET ?? 'http://127.0.0.1';

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body =
    event.body === null || event.body === undefined
      ? undefined
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const response = await fetch(new URL(event.path, target), { method: event.httpMethod, body });
  return { statusCode: response.status, body: await response.text() };
}
