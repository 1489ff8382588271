/**
 * The proxy's configuration (CONTRACT section 2), read from the environment once per container.
 * Pure: takes the environment as an argument so tests can build configurations directly.
 */
import { isAbsolute, resolve } from 'node:path';

export type CaSignedPolicy = 'any' | 'registered';

export interface ProxyConfig {
  /** Origin of Auth0's forwarding target. */
  readonly forwardingTarget: URL;
  readonly secretId: string;
  readonly registryTableName: string;
  /** Absolute path of the trusted client CA bundle. */
  readonly caBundleFile: string;
  readonly allowedPaths: ReadonlySet<string>;
  readonly caSignedPolicy: CaSignedPolicy;
  /** Lower-case header name carrying the end-user IP to Auth0. */
  readonly clientIpHeader: string;
  readonly upstreamTimeoutMs: number;
  readonly registryCacheTtlMs: number;
  readonly secretCacheTtlMs: number;
  /** Deadline for one registry or secret-store call (not in CONTRACT: an operational knob). */
  readonly dependencyTimeoutMs: number;
}

export const DEFAULT_ALLOWED_PATHS = ['/oauth/token', '/oauth/par', '/userinfo'] as const;
/** Headers Auth0 accepts as the end-user IP (`custom_client_ip_header`), plus the default. */
export const CLIENT_IP_HEADERS = [
  'x-forwarded-for',
  'true-client-ip',
  'cf-connecting-ip',
  'x-azure-clientip',
] as const;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is required (see the configuration section of the README)`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, allowZero = false): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new ConfigError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${raw}"`,
    );
  }
  return value;
}

function parseTarget(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `FORWARDING_TARGET must be a URL like https://tenant-cd-x.edge.tenants.us.auth0.com, got "${raw}"`,
    );
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(`FORWARDING_TARGET must use https (http only for loopback hosts), got "${raw}"`);
  }
  if (
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    throw new ConfigError(
      `FORWARDING_TARGET must be an origin without path, query or credentials, got "${raw}"`,
    );
  }
  return new URL(url.origin);
}

function parsePaths(raw: string | undefined): ReadonlySet<string> {
  if (raw === undefined || raw.trim() === '') return new Set(DEFAULT_ALLOWED_PATHS);
  const paths = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const path of paths) {
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
      throw new ConfigError(`ALLOWED_PATHS entries must be exact paths like /oauth/token, got "${path}"`);
    }
  }
  if (paths.length === 0) throw new ConfigError('ALLOWED_PATHS lists no path');
  return new Set(paths);
}

/**
 * @param env the environment (process.env in the Lambda)
 * @param handlerDir directory relative CA_BUNDLE_FILE paths resolve against
 * @throws ConfigError naming the variable and the fix
 */
export function loadConfig(env: NodeJS.ProcessEnv, handlerDir: string): ProxyConfig {
  const policy = (env.CA_SIGNED_POLICY?.trim() || 'any') as CaSignedPolicy;
  if (policy !== 'any' && policy !== 'registered') {
    throw new ConfigError(`CA_SIGNED_POLICY must be "any" or "registered", got "${env.CA_SIGNED_POLICY}"`);
  }
  const clientIpHeader = (env.CLIENT_IP_HEADER?.trim() || 'x-forwarded-for').toLowerCase();
  if (!(CLIENT_IP_HEADERS as readonly string[]).includes(clientIpHeader)) {
    throw new ConfigError(
      `CLIENT_IP_HEADER must be one of ${CLIENT_IP_HEADERS.join(', ')}, got "${clientIpHeader}"`,
    );
  }
  const caBundle = required(env, 'CA_BUNDLE_FILE');
  return {
    forwardingTarget: parseTarget(required(env, 'FORWARDING_TARGET')),
    secretId: required(env, 'CNAME_API_KEY_SECRET_ID'),
    registryTableName: required(env, 'REGISTRY_TABLE_NAME'),
    caBundleFile: isAbsolute(caBundle) ? caBundle : resolve(handlerDir, caBundle),
    allowedPaths: parsePaths(env.ALLOWED_PATHS),
    caSignedPolicy: policy,
    clientIpHeader,
    upstreamTimeoutMs: positiveInteger(env, 'UPSTREAM_TIMEOUT_MS', 25_000),
    registryCacheTtlMs: positiveInteger(env, 'REGISTRY_CACHE_TTL_SECONDS', 30, true) * 1000,
    secretCacheTtlMs: positiveInteger(env, 'SECRET_CACHE_TTL_SECONDS', 300, true) * 1000,
    dependencyTimeoutMs: positiveInteger(env, 'DEPENDENCY_TIMEOUT_MS', 1500),
  };
}
