/**
 * Where the CLI's Auth0 Management API credentials come from: the environment (`AUTH0_DOMAIN`,
 * `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`) or a Secrets Manager secret (`AUTH0_M2M_SECRET_ID`).
 * Never a command-line argument (it would land in shell history and `ps`), and no message here ever
 * contains the secret: they name variables and keys, never values.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AUTH0_ENV, AUTH0_SECRET_KEYS } from '../../shared/contracts/auth0-management';
import { asError } from '../../shared/errors';
import { CliError, failure, usageError } from '../errors';
import type { CliIo } from '../io';

export interface Auth0Settings {
  /** Host (and port, for a local stand-in) of the tenant, without scheme or path. */
  readonly domain: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Where the credentials came from, for messages: `environment` or `secret <id>`. */
  readonly source: string;
}

/** `acme.eu.auth0.com`, also from `https://acme.eu.auth0.com/`; anything with a path is refused. */
export function normalizeDomain(value: string, from: string): string {
  const host = value
    .trim()
    .replace(/^https:\/\//i, '')
    .replace(/\/+$/, '');
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
    throw usageError(`${from}: not a tenant domain (expected e.g. acme.eu.auth0.com): ${value}`);
  }
  return host;
}

/** The Secrets Manager client, created on first use. */
export type SecretsManagerFactory = () => SecretsManagerClient | Promise<SecretsManagerClient>;

async function readSecret(secretId: string, secretsManager: SecretsManagerFactory): Promise<string> {
  try {
    // Loaded here: only this setting needs the Secrets Manager SDK, and every command would pay for it.
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const client = await secretsManager();
    const { SecretString: text } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (text === undefined)
      throw usageError(`${AUTH0_ENV.secretId}=${secretId}: the secret has no SecretString`);
    return text;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const e = asError(error);
    throw failure(
      `${AUTH0_ENV.secretId}=${secretId}: reading the secret failed (${e.name}: ${e.message.split('\n')[0]})`,
    );
  }
}

function fromSecretJson(text: string, secretId: string): Record<string, unknown> {
  const shape = `JSON with "${AUTH0_SECRET_KEYS.clientId}" and "${AUTH0_SECRET_KEYS.clientSecret}" (and optionally "${AUTH0_SECRET_KEYS.domain}")`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw usageError(`${AUTH0_ENV.secretId}=${secretId}: the secret is not ${shape}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usageError(`${AUTH0_ENV.secretId}=${secretId}: the secret is not ${shape}`);
  }
  return parsed as Record<string, unknown>;
}

function stringAt(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * The Management API credentials.
 * @throws CliError: exit 2 when they are not configured (naming what is missing), exit 1 when the secret
 * cannot be read.
 */
export async function resolveAuth0Settings(
  env: CliIo['env'],
  secretsManager: SecretsManagerFactory,
): Promise<Auth0Settings> {
  const secretId = env[AUTH0_ENV.secretId];
  if (secretId) {
    if (env[AUTH0_ENV.clientSecret]) {
      throw usageError(`set ${AUTH0_ENV.secretId} or ${AUTH0_ENV.clientSecret}, not both`);
    }
    const record = fromSecretJson(await readSecret(secretId, secretsManager), secretId);
    const clientId = stringAt(record, AUTH0_SECRET_KEYS.clientId) ?? env[AUTH0_ENV.clientId];
    const clientSecret = stringAt(record, AUTH0_SECRET_KEYS.clientSecret);
    const domain = stringAt(record, AUTH0_SECRET_KEYS.domain) ?? env[AUTH0_ENV.domain];
    const missing = [
      ...(clientId ? [] : [`"${AUTH0_SECRET_KEYS.clientId}" (or ${AUTH0_ENV.clientId})`]),
      ...(clientSecret ? [] : [`"${AUTH0_SECRET_KEYS.clientSecret}"`]),
      ...(domain ? [] : [`"${AUTH0_SECRET_KEYS.domain}" (or ${AUTH0_ENV.domain})`]),
    ];
    if (missing.length > 0 || !clientId || !clientSecret || !domain) {
      throw usageError(`${AUTH0_ENV.secretId}=${secretId}: the secret lacks ${missing.join(', ')}`);
    }
    return {
      domain: normalizeDomain(domain, 'the Auth0 domain'),
      clientId,
      clientSecret,
      source: `secret ${secretId}`,
    };
  }
  const missing = [AUTH0_ENV.domain, AUTH0_ENV.clientId, AUTH0_ENV.clientSecret].filter((name) => !env[name]);
  const domain = env[AUTH0_ENV.domain];
  const clientId = env[AUTH0_ENV.clientId];
  const clientSecret = env[AUTH0_ENV.clientSecret];
  if (missing.length > 0 || !domain || !clientId || !clientSecret) {
    throw usageError(
      `the Auth0 Management API is not configured: set ${missing.join(', ')} (or ${AUTH0_ENV.secretId}, a Secrets Manager secret holding them); see edge-certs audit --help`,
    );
  }
  return { domain: normalizeDomain(domain, AUTH0_ENV.domain), clientId, clientSecret, source: 'environment' };
}
