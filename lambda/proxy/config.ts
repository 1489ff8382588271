/**
 * The proxy's configuration (docs/reference.md#proxy-environment), read from the environment once per container.
 * Pure: takes the environment as an argument so tests can build configurations directly.
 */
import { isAbsolute, resolve } from 'node:path';
import {
  CA_SIGNED_POLICIES,
  CLIENT_IP_HEADERS,
  EDGE_PATHS,
  isEdgePath,
  PROXY_DEFAULTS,
  PROXY_ENV,
  type CaSignedPolicy,
  type EdgePath,
} from '../../shared/contracts/proxy';
import { ConfigError } from '../../shared/config-error';

export { ConfigError };

/** Environment variables as given (process.env in the Lambda, an object in tests and the local edge). */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface ProxyConfig {
  /** Origin of Auth0's forwarding target. */
  readonly forwardingTarget: URL;
  readonly secretId: string;
  readonly registryTableName: string;
  /** Absolute path of the trusted client CA bundle. */
  readonly caBundleFile: string;
  /** The paths served; each has its methods in ALLOWED_METHODS (shared/contracts/proxy.ts). */
  readonly allowedPaths: ReadonlySet<EdgePath>;
  readonly caSignedPolicy: CaSignedPolicy;
  /** Lower-case header name carrying the end-user IP to Auth0. */
  readonly clientIpHeader: string;
  readonly upstreamTimeoutMs: number;
  readonly registryCacheTtlMs: number;
  readonly secretCacheTtlMs: number;
  /** Deadline for one registry or secret-store call (`DEPENDENCY_TIMEOUT_MS`). */
  readonly dependencyTimeoutMs: number;
  /** Lower-case name of the header the ALB front door reads the client's chain from. */
  readonly albClientCertHeader: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function required(env: Environment, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is required (docs/reference.md#proxy-environment)`);
  return value;
}

function positiveInteger(env: Environment, name: string, fallback: number, allowZero = false): number {
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
      `${PROXY_ENV.forwardingTarget} must be a URL like https://tenant-cd-x.edge.tenants.us.auth0.com, got "${raw}"`,
    );
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(
      `${PROXY_ENV.forwardingTarget} must use https (http only for loopback hosts), got "${raw}"`,
    );
  }
  if (
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    throw new ConfigError(
      `${PROXY_ENV.forwardingTarget} must be an origin without path, query or credentials, got "${raw}"`,
    );
  }
  return new URL(url.origin);
}

function parsePaths(raw: string | undefined): ReadonlySet<EdgePath> {
  if (raw === undefined || raw.trim() === '') return new Set(PROXY_DEFAULTS.allowedPaths);
  const paths = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const path of paths) {
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
      throw new ConfigError(
        `${PROXY_ENV.allowedPaths} entries must be exact paths like /oauth/token, got "${path}"`,
      );
    }
  }
  if (paths.length === 0) throw new ConfigError(`${PROXY_ENV.allowedPaths} lists no path`);
  // Every served path needs its list of methods (the handler answers 405 for any other method).
  const unknown = paths.find((path) => !isEdgePath(path));
  if (unknown !== undefined) {
    throw new ConfigError(
      `${PROXY_ENV.allowedPaths}: the edge has no method list for "${unknown}"; use a subset of ${EDGE_PATHS.join(',')}`,
    );
  }
  return new Set(paths as EdgePath[]);
}

/** `x-amzn-mtls-clientcert`, or that name with a suffix (`-` and letters or digits), any letter case. */
const ALB_CERT_HEADER = /^x-amzn-mtls-clientcert(-[a-z0-9]+)*$/;

function parseAlbCertHeader(raw: string | undefined): string {
  const name = (raw?.trim() || PROXY_DEFAULTS.albClientCertHeader).toLowerCase();
  if (!ALB_CERT_HEADER.test(name) || name.length > 64) {
    throw new ConfigError(
      `${PROXY_ENV.albClientCertHeader} must be x-amzn-mtls-clientcert, optionally with a suffix like -3f9a0c2b71de (letters, digits, -; at most 64 characters), got "${raw}"`,
    );
  }
  return name;
}

/**
 * @param env the environment (process.env in the Lambda)
 * @param handlerDir directory relative CA_BUNDLE_FILE paths resolve against
 * @throws ConfigError naming the variable and the fix
 */
export function loadConfig(env: Environment, handlerDir: string): ProxyConfig {
  const policy = env[PROXY_ENV.caSignedPolicy]?.trim() || PROXY_DEFAULTS.caSignedPolicy;
  if (!(CA_SIGNED_POLICIES as readonly string[]).includes(policy)) {
    throw new ConfigError(
      `${PROXY_ENV.caSignedPolicy} must be ${CA_SIGNED_POLICIES.map((p) => `"${p}"`).join(' or ')}, got "${policy}"`,
    );
  }
  const clientIpHeader = (
    env[PROXY_ENV.clientIpHeader]?.trim() || PROXY_DEFAULTS.clientIpHeader
  ).toLowerCase();
  if (!(CLIENT_IP_HEADERS as readonly string[]).includes(clientIpHeader)) {
    throw new ConfigError(
      `${PROXY_ENV.clientIpHeader} must be one of ${CLIENT_IP_HEADERS.join(', ')}, got "${clientIpHeader}"`,
    );
  }
  const caBundle = required(env, PROXY_ENV.caBundleFile);
  return {
    forwardingTarget: parseTarget(required(env, PROXY_ENV.forwardingTarget)),
    secretId: required(env, PROXY_ENV.secretId),
    registryTableName: required(env, PROXY_ENV.registryTableName),
    caBundleFile: isAbsolute(caBundle) ? caBundle : resolve(handlerDir, caBundle),
    allowedPaths: parsePaths(env[PROXY_ENV.allowedPaths]),
    caSignedPolicy: policy as CaSignedPolicy,
    clientIpHeader,
    albClientCertHeader: parseAlbCertHeader(env[PROXY_ENV.albClientCertHeader]),
    upstreamTimeoutMs: positiveInteger(env, PROXY_ENV.upstreamTimeoutMs, PROXY_DEFAULTS.upstreamTimeoutMs),
    registryCacheTtlMs:
      positiveInteger(env, PROXY_ENV.registryCacheTtlSeconds, PROXY_DEFAULTS.registryCacheTtlSeconds, true) *
      1000,
    secretCacheTtlMs:
      positiveInteger(env, PROXY_ENV.secretCacheTtlSeconds, PROXY_DEFAULTS.secretCacheTtlSeconds, true) *
      1000,
    dependencyTimeoutMs: positiveInteger(
      env,
      PROXY_ENV.dependencyTimeoutMs,
      PROXY_DEFAULTS.dependencyTimeoutMs,
    ),
  };
}
