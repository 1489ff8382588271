/**
 * The CNAME API key from Secrets Manager, cached per container for SECRET_CACHE_TTL_SECONDS and
 * dropped when Auth0 says the key is invalid (so a rotated key is picked up on the next request).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { apiKeyFromSecretString } from '../../shared/cname-api-key';
import { TtlCache } from './cache';

export interface SecretProvider {
  get(): Promise<string>;
  invalidate(): void;
}

export function createSecretProvider(
  client: SecretsManagerClient,
  secretId: string,
  ttlMs: number,
  timeoutMs: number,
  now: () => number = Date.now,
): SecretProvider {
  const cache = new TtlCache<string>(ttlMs, 1, now);
  const load = async (): Promise<string> => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    return apiKeyFromSecretString(SecretString);
  };
  return {
    get: () => cache.get('key', load),
    invalidate: () => cache.delete('key'),
  };
}
