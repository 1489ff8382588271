/**
 * What happens after a registry change, and how to watch it: the `next:` and `watch:` lines of
 * `register` and `revoke`. A loopback DynamoDB endpoint is the local edge's embedded registry
 * (`npm start`); anything else is a deployed stack, whose truststore builder publishes by itself.
 */
import type { CertificateKind } from '../shared/certificate';
import { LOCAL_EDGE_DEFAULTS } from '../shared/contracts/local-edge';
import { PROXY_DEFAULTS, PROXY_ENV } from '../shared/contracts/proxy';
import { STACK_NAME } from '../shared/contracts/stack';
import { errorCode } from '../shared/errors';
import { STREAM_BATCHING_WINDOW_SECONDS } from '../shared/contracts/truststore-builder';
import { isLoopbackUrl } from './aws';
import type { CliIo } from './io';

/** API Gateway applies a new truststore version in about 60–90 s (docs/operations.md#consistency). */
const API_GATEWAY_PROPAGATION = '60–90 s';

export type RegistryHost =
  { readonly kind: 'local-edge' } | { readonly kind: 'deployed'; readonly stack: string };

/** The DynamoDB endpoint the CLI talks to, as the SDK picks it (`AWS_ENDPOINT_URL_DYNAMODB`, then `AWS_ENDPOINT_URL`). */
export function dynamodbEndpoint(
  env: CliIo['env'],
): { readonly url: string; readonly variable: string } | undefined {
  for (const variable of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL']) {
    const url = env[variable];
    if (url) return { url, variable };
  }
  return undefined;
}

export function registryHost(env: CliIo['env'], stack: string | undefined): RegistryHost {
  return isLoopbackUrl(dynamodbEndpoint(env)?.url)
    ? { kind: 'local-edge' }
    : { kind: 'deployed', stack: stack ?? STACK_NAME };
}

const localRefresh = `within its refresh interval (--refresh-ms, ${LOCAL_EDGE_DEFAULTS.refreshIntervalMs / 1000} s by default)`;
const proxyCache = `within its registry cache lifetime (${PROXY_ENV.registryCacheTtlSeconds}, ${PROXY_DEFAULTS.registryCacheTtlSeconds} s by default)`;
const builderPublishes = `the truststore builder picks up the change from the registry's stream (batched for ${STREAM_BATCHING_WINDOW_SECONDS} s) and publishes a new truststore, which API Gateway applies in about ${API_GATEWAY_PROPAGATION}`;

function watchBuilder(stack: string): string[] {
  return [
    `watch: aws logs tail --follow "$(aws logs describe-log-groups --log-group-name-prefix ${stack}-TruststoreBuilderLogs ` +
      `--query 'logGroups[0].logGroupName' --output text)"`,
    'check: edge-certs list names any entry the truststore leaves out, and why',
  ];
}

/**
 * The load balancer front door (`frontDoor=alb`, `npm start -- --front-door alb`) has no truststore:
 * every handshake reaches the proxy, whose registry look-up alone decides. The registry does not say
 * which front door reads it, so the line is there for both.
 */
function withoutTruststore(verb: 'accepts' | 'refuses'): string {
  return `next, with the load balancer (frontDoor=alb, npm start -- --front-door alb): no truststore; the proxy ${verb} it ${proxyCache}`;
}

/** After `register` wrote at least one self-signed certificate. */
export function afterRegister(host: RegistryHost): string[] {
  if (host.kind === 'local-edge') {
    return [
      `next: the local edge (npm start) adds it to its truststore ${localRefresh}; new connections then pass the handshake`,
      withoutTruststore('accepts'),
    ];
  }
  return [
    `next: ${builderPublishes}; the handshake accepts it from then on (about 1.5–2 min in all)`,
    withoutTruststore('accepts'),
    ...watchBuilder(host.stack),
  ];
}

/** After `revoke` revoked an entry. */
export function afterRevoke(host: RegistryHost, kind: CertificateKind): string[] {
  const proxy = `next: the proxy refuses it ${proxyCache}`;
  if (kind === 'ca-signed') {
    // API Gateway never checks revocation: the proxy's registry look-up is the revocation check.
    return [`${proxy}; the TLS handshake still passes (it chains to the CA bundle)`];
  }
  if (host.kind === 'local-edge') {
    return [
      `${proxy}; the local edge drops it from its truststore ${localRefresh}, so new connections fail the handshake`,
      withoutTruststore('refuses'),
    ];
  }
  return [
    `${proxy}; then ${builderPublishes}, without it: new handshakes fail from then on`,
    withoutTruststore('refuses'),
    ...watchBuilder(host.stack),
  ];
}

/** Node's connection errors: nothing listens there, or the host cannot be found or reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function connectionCode(error: unknown): string | undefined {
  const code = errorCode(error);
  if (code !== undefined && UNREACHABLE.has(code)) return code;
  // Node's happy eyeballs (`localhost` → ::1 and 127.0.0.1) reports an AggregateError of both attempts.
  if (error instanceof AggregateError) {
    return (error.errors as unknown[]).map(connectionCode).find((c) => c !== undefined);
  }
  return undefined;
}

/**
 * One line for a registry that cannot be reached: the endpoint tried, and what to check. Undefined for
 * any other error.
 */
export function describeUnreachable(error: unknown, env: CliIo['env']): string | undefined {
  const code = connectionCode(error);
  if (code === undefined) return undefined;
  const endpoint = dynamodbEndpoint(env);
  const where = endpoint
    ? `${endpoint.url} (${endpoint.variable})`
    : `DynamoDB's regional endpoint (region ${env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'from your AWS profile'})`;
  const check =
    endpoint && isLoopbackUrl(endpoint.url)
      ? `is the local edge running (npm start), and does ${endpoint.variable} name its registry port (--registry-port, ${LOCAL_EDGE_DEFAULTS.registryPort} by default)?`
      : endpoint
        ? `check ${endpoint.variable}, or unset it to use AWS`
        : 'check the network, any HTTPS proxy settings, and AWS_REGION';
  return `cannot reach the registry at ${where}: ${code}; ${check}`;
}
