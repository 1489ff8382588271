/**
 * The format of the secret that holds Auth0's CNAME API key (docs/reference.md#proxy-environment): its `SecretString` is the key
 * itself, or JSON `{"cname_api_key": "…"}`. One rule for the proxy (which reads it on every cache miss)
 * and the operator CLI (`edge-certs preflight`, which checks an existing secret before the deploy).
 */

/** The secret holds no usable key (empty, malformed JSON, characters a header cannot carry). */
export class SecretUnusable extends Error {}

/** Whether the secret is stored as JSON (`{"cname_api_key": "…"}`) rather than as the bare key. */
export function isJsonSecretString(secretString: string | undefined): boolean {
  return (secretString?.trim() ?? '').startsWith('{');
}

/** The API key in a `SecretString`. @throws SecretUnusable saying what is wrong (never the value) */
export function apiKeyFromSecretString(secretString: string | undefined): string {
  let value = secretString?.trim() ?? '';
  if (isJsonSecretString(value)) {
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
