/**
 * Reads the certificate registry (docs/reference.md#registry) by thumbprint, cached per container for
 * REGISTRY_CACHE_TTL_SECONDS — found and not-found answers alike. Errors and time-outs propagate
 * (the handler fails closed with 503); they are never cached.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { REGISTRY_ATTRIBUTES, REGISTRY_KEY, verdictFromItem } from '../../shared/registry-model';
import { TtlCache } from './cache';
import type { RegistryAnswer } from './decision';

export type RegistryReader = (thumbprint: string) => Promise<RegistryAnswer>;

export function createRegistryReader(
  client: DynamoDBClient,
  tableName: string,
  ttlMs: number,
  timeoutMs: number,
  now: () => number = Date.now,
): RegistryReader {
  const cache = new TtlCache<RegistryAnswer>(ttlMs, undefined, now);
  const load = async (thumbprint: string): Promise<RegistryAnswer> => {
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { [REGISTRY_KEY]: { S: thumbprint } },
        ConsistentRead: true,
        ProjectionExpression: '#k, #s',
        ExpressionAttributeNames: { '#k': REGISTRY_ATTRIBUTES.kind, '#s': REGISTRY_ATTRIBUTES.status },
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    if (!Item) return { state: 'none' };
    const verdict = verdictFromItem(Item);
    return verdict ? { state: 'entry', verdict } : { state: 'malformed' };
  };
  return (thumbprint) => cache.get(thumbprint, () => load(thumbprint));
}
