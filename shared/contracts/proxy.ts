/**
 * The proxy Lambda's boundary: the environment variables it reads (names and defaults), the paths and
 * methods it serves, and the end-user IP headers Auth0 accepts. Written once; the stack (lib/), the
 * handler (lambda/proxy/), the local edge and the benchmark all import it. docs/reference.md describes it.
 */

import { ALB_CLIENT_CERT_HEADER } from './alb';

/** Environment variable names, by setting. */
export const PROXY_ENV = {
  /** Origin URL of Auth0's forwarding target (required). */
  forwardingTarget: 'FORWARDING_TARGET',
  /** Secrets Manager secret id or ARN holding the CNAME API key (required). */
  secretId: 'CNAME_API_KEY_SECRET_ID',
  /** The certificate registry table (required). */
  registryTableName: 'REGISTRY_TABLE_NAME',
  /** PEM file of the trusted client CAs; relative paths resolve against the handler's directory (required). */
  caBundleFile: 'CA_BUNDLE_FILE',
  allowedPaths: 'ALLOWED_PATHS',
  caSignedPolicy: 'CA_SIGNED_POLICY',
  clientIpHeader: 'CLIENT_IP_HEADER',
  upstreamTimeoutMs: 'UPSTREAM_TIMEOUT_MS',
  registryCacheTtlSeconds: 'REGISTRY_CACHE_TTL_SECONDS',
  secretCacheTtlSeconds: 'SECRET_CACHE_TTL_SECONDS',
  dependencyTimeoutMs: 'DEPENDENCY_TIMEOUT_MS',
  /**
   * The ALB front door: the request header its listener writes the client's chain into (the listener
   * attribute `routing.http.request.x_amzn_mtls_clientcert.header_name`). Must start with
   * `x-amzn-mtls-clientcert`, so that a client's copy of it is stripped like every `X-Amzn-Mtls-*` header.
   */
  albClientCertHeader: 'ALB_CLIENT_CERT_HEADER',
} as const;

export type ProxyEnvName = (typeof PROXY_ENV)[keyof typeof PROXY_ENV];

/** The methods the edge forwards, per path (the Auth0 mTLS endpoint aliases). Anything else: 405. */
export const ALLOWED_METHODS = {
  '/oauth/token': ['POST'],
  '/oauth/par': ['POST'],
  '/userinfo': ['GET', 'POST'],
} as const satisfies Readonly<Record<string, readonly string[]>>;

export type EdgePath = keyof typeof ALLOWED_METHODS;

/** Every path the edge can serve, in the order of {@link ALLOWED_METHODS}. */
export const EDGE_PATHS = Object.keys(ALLOWED_METHODS) as readonly EdgePath[];

export function isEdgePath(path: string): path is EdgePath {
  return Object.hasOwn(ALLOWED_METHODS, path);
}

/** Headers Auth0 accepts as the end-user IP (the custom domain's `custom_client_ip_header`). */
export const CLIENT_IP_HEADERS = [
  'x-forwarded-for',
  'true-client-ip',
  'cf-connecting-ip',
  'x-azure-clientip',
] as const;
export type ClientIpHeader = (typeof CLIENT_IP_HEADERS)[number];

/** The header the custom domain's own CloudFront edge sends the end-user IP in (and Auth0 must read). */
export const CUSTOM_DOMAIN_CLIENT_IP_HEADER: ClientIpHeader = 'true-client-ip';

/** `any`: a CA-verified certificate passes unless revoked; `registered`: it needs an active entry too. */
export const CA_SIGNED_POLICIES = ['any', 'registered'] as const;
export type CaSignedPolicy = (typeof CA_SIGNED_POLICIES)[number];

/** Defaults of the optional settings. */
export const PROXY_DEFAULTS = {
  allowedPaths: EDGE_PATHS,
  caSignedPolicy: 'any' as CaSignedPolicy,
  clientIpHeader: 'x-forwarded-for' as ClientIpHeader,
  /** Below API Gateway's 29 s integration timeout. */
  upstreamTimeoutMs: 25_000,
  registryCacheTtlSeconds: 30,
  secretCacheTtlSeconds: 300,
  /** Deadline of one registry or secret-store call. */
  dependencyTimeoutMs: 1500,
  /** The header's name when the listener does not rename it. */
  albClientCertHeader: ALB_CLIENT_CERT_HEADER,
} as const;

/** Powertools' service name of the proxy's log lines and metrics. */
export const PROXY_SERVICE_NAME = 'customer-edge-proxy';
