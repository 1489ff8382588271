/**
 * What the edge answers: either one of its own refusals (one row each below: the outcome it is logged
 * and counted as, the OAuth-style error the client sees, and why), or the upstream's answer relayed.
 * Front-door neutral: `api-gateway.ts` renders an {@link Answer} as a REST API proxy result, `alb.ts`
 * as an ALB Lambda target result.
 */
import type { UpstreamResponse } from './forward';

/** How a request ended, as logged and counted (metric dimension `Outcome`). */
export type Outcome =
  | 'forwarded'
  | 'rejected'
  | 'not_found'
  | 'method_not_allowed'
  | 'bad_request'
  | 'unavailable'
  | 'bad_gateway'
  | 'gateway_timeout'
  | 'error';

/** The `error` of the edge's own JSON answers, with its HTTP status. */
export const EDGE_ERROR_STATUS = {
  invalid_client: 401,
  not_found: 404,
  method_not_allowed: 405,
  invalid_request: 400,
  temporarily_unavailable: 503,
  bad_gateway: 502,
  gateway_timeout: 504,
  server_error: 500,
} as const;

export type EdgeError = keyof typeof EDGE_ERROR_STATUS;

export interface Refusal {
  readonly outcome: Exclude<Outcome, 'forwarded'>;
  readonly error: EdgeError;
  /** The `error_description` the client sees (never a secret, never a detail of our dependencies). */
  readonly description: string;
}

/** Every way the edge answers by itself, one rule each. */
export const REFUSALS = {
  /** The path is not one the edge serves: checked before anything else is looked at. */
  pathNotServed: {
    outcome: 'not_found',
    error: 'not_found',
    description: 'this host only serves the mTLS endpoints',
  },
  /** The path is served, but not with this method (the Allow header lists the ones that are). */
  methodNotAllowed: {
    outcome: 'method_not_allowed',
    error: 'method_not_allowed',
    description: 'this endpoint does not accept this method',
  },
  /** A field of the event has the wrong shape (the description is replaced by the field's problem). */
  malformedEvent: { outcome: 'bad_request', error: 'invalid_request', description: 'malformed request' },
  /** A client header an HTTP request cannot carry. */
  malformedHeaders: { outcome: 'bad_request', error: 'invalid_request', description: 'malformed headers' },
  /** The decision table said no (no, unparsable, expired, unverified, unregistered or revoked certificate). */
  certificateRejected: {
    outcome: 'rejected',
    error: 'invalid_client',
    description: 'the client certificate is not accepted',
  },
  /** Fail closed: the registry could not be read, so the certificate cannot be checked. */
  registryUnavailable: {
    outcome: 'unavailable',
    error: 'temporarily_unavailable',
    description: 'the certificate registry cannot be checked',
  },
  /** Fail closed: the CNAME API key could not be read (or the secret is empty or unusable). */
  secretUnavailable: {
    outcome: 'unavailable',
    error: 'temporarily_unavailable',
    description: 'the edge cannot reach its credentials',
  },
  /** Auth0's forwarding target could not be reached or answered with something broken. */
  upstreamUnreachable: {
    outcome: 'bad_gateway',
    error: 'bad_gateway',
    description: 'the authorization server could not be reached',
  },
  /** Auth0's answer is larger than the front door can carry (the ALB's 1 MB): never truncated. */
  upstreamTooLarge: {
    outcome: 'bad_gateway',
    error: 'bad_gateway',
    description: 'the authorization server answered with more than this front door can carry',
  },
  /** Auth0's forwarding target did not answer within UPSTREAM_TIMEOUT_MS. */
  upstreamTimeout: {
    outcome: 'gateway_timeout',
    error: 'gateway_timeout',
    description: 'the authorization server did not answer in time',
  },
  /** A bug: never a forward. */
  unexpected: { outcome: 'error', error: 'server_error', description: 'unexpected error' },
} as const satisfies Record<string, Refusal>;

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

export type Answer =
  | {
      readonly kind: 'refusal';
      readonly refusal: Refusal;
      readonly description: string;
      /** The methods the path accepts (a 405's `Allow` header). */
      readonly allow?: readonly string[];
    }
  | { readonly kind: 'relay'; readonly upstream: UpstreamResponse };

export function refuse(
  refusal: Refusal,
  description: string = refusal.description,
  allow?: readonly string[],
): Answer {
  return allow ? { kind: 'refusal', refusal, description, allow } : { kind: 'refusal', refusal, description };
}

export function statusOf(answer: Answer): number {
  return answer.kind === 'relay' ? answer.upstream.statusCode : EDGE_ERROR_STATUS[answer.refusal.error];
}

/** The headers of the edge's own answers (lower-case names, one value each). */
export function refusalHeaders(answer: Extract<Answer, { kind: 'refusal' }>): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (answer.refusal.error === 'temporarily_unavailable')
    headers['retry-after'] = String(RETRY_AFTER_SECONDS);
  // RFC 9110 §15.5.6: a 405 MUST carry Allow.
  if (answer.allow) headers.allow = answer.allow.join(', ');
  return headers;
}

/** The JSON body of the edge's own answers. */
export function refusalBody(answer: Extract<Answer, { kind: 'refusal' }>): string {
  return JSON.stringify({ error: answer.refusal.error, error_description: answer.description });
}
