/**
 * The CNAME API key from Secrets Manager, cached per container for SECRET_CACHE_TTL_SECONDS and
 * dropped when Auth0 says the key is invalid (so a rotated key is picked up on the next request).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TtlCache } from './cache';

export interface SecretProvider {
  get(): Promise<string>;
  invalidate(): void;
}

/** The secret holds no usable key (empty, malformed JSON, characters a header cannot carry). */
export class SecretUnusable extends Error {}

/** `SecretString` is the key itself, or JSON `{"cname_api_key": "…"}`. */
export function apiKeyFromSecretString(secretString: string | undefined): string {
  let value = secretString?.trim() ?? '';
  if (value.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new SecretUnusable('the secret looks like JSON but does not parse');
    }
    const key = (parsed as { cname_api_key?: unknown }).cname_api_key;
    if (typeof key !== 'string') throw new SecretUnusable('the JSON secret has no string "cname_api_key"');
    value = key.trim();
  }
  if (value === '') throw new SecretUnusable('the secret is empty: put the CNAME API key into it');
  if (!/^[\x21-\x7e]+$/.test(value))
    throw new SecretUnusable('the secret holds characters an HTTP header cannot carry');
  return value;
}

export function createSecretProvider(
  client: SecretsManagerClient,
  secretId: string,
  ttlMs: number,
  timeoutMs: number,
): SecretProvider {
  const cache = new TtlCache<string>(ttlMs, 1);
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
