/**
 * The Application Load Balancer's side of a Lambda target, the one builder of its events: the event an
 * ALB with mutual TLS in passthrough mode and multi-value headers on sends after a handshake, and the
 * way it turns the Lambda's result into an HTTP response. Pure: no sockets, no clock (the caller passes
 * both). The local edge (`--front-door alb`) builds its events here from real requests; tests use
 * `albEvent`, a shorthand over the same builder.
 *
 * What the ALB does, from the ELB docs ("Lambda functions as targets", "HTTP headers and mutual TLS",
 * "X-Forwarded headers"), and we mirror:
 * - `multiValueHeaders` and `multiValueQueryStringParameters` hold every value (no `headers` or
 *   `queryStringParameters`); header names in lower case, as in the docs' examples.
 * - query parameters arrive as sent: "the load balancer does not decode them".
 * - the body arrives as is (`isBase64Encoded: false`) for text/*, application/json,
 *   application/javascript and application/xml without a `content-encoding`; base64 otherwise.
 * - it appends the client's address to `X-Forwarded-For` and sets `X-Forwarded-Port`,
 *   `X-Forwarded-Proto` and `X-Amzn-Trace-Id`.
 * - passthrough: `X-Amzn-Mtls-Clientcert` carries the whole chain the client presented, leaf first,
 *   URL-encoded with `+=/` left as they are; it is added only when the client presented a certificate.
 * - the result: `multiValueHeaders` (with multi-value headers on), the status, the body (base64 when
 *   `isBase64Encoded`); a result JSON over 1 MB, or one it cannot read, is a 502 of its own.
 *
 * What the docs leave open, and the stand-in assumes the worst of: a client's own `X-Amzn-Mtls-*`
 * headers pass through unchanged, before the ALB's own copy.
 */
import type { ALBEvent, ALBResult } from 'aws-lambda';
import type { X509Certificate } from 'node:crypto';
import { HOP_BY_HOP } from '../lambda/proxy/headers';
import { ALB_CLIENT_CERT_HEADER, ALB_LAMBDA_LIMITS } from '../shared/contracts/alb';
import {
  requestFromOptions,
  traceIdFor,
  type EventOptions,
  type HttpResponse,
  type ReceivedHttpRequest,
} from './api-gateway';

/** The HTTP request as the ALB's listener received it, with the chain the client presented. */
export interface AlbReceivedRequest extends Omit<ReceivedHttpRequest, 'clientCertificate'> {
  /**
   * The certificates the client presented, leaf first; a PEM string is used as it is, even one that
   * does not parse. Undefined or empty: the client presented none.
   */
  readonly presentedChain: ReadonlyArray<X509Certificate | string> | undefined;
}

export interface AlbEventContext {
  /** `X-Amzn-Trace-Id` of the request. */
  readonly traceId: string;
  /** @default a made-up target group ARN */
  readonly targetGroupArn?: string;
  /**
   * The header the listener writes the chain under (its `…x_amzn_mtls_clientcert.header_name`).
   * @default ALB_CLIENT_CERT_HEADER
   */
  readonly certHeader?: string;
}

const TARGET_GROUP_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:000000000000:targetgroup/customer-edge/0123456789abcdef';

/** Content types the ALB hands over as text (without a `content-encoding`). */
const TEXT_TYPES = /^(text\/[^;]*|application\/(json|javascript|xml))\s*(;|$)/i;

/**
 * The passthrough header's value: the PEM chain URL-encoded "with `+=/` as safe characters", like
 * Python's `quote(pem, safe='+=/')`. Every other byte except `A-Z a-z 0-9 - . _ ~` is `%XX`.
 */
export function encodeAlbCertificateChain(pems: readonly string[]): string {
  return encodeURIComponent(pems.join(''))
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2B/g, '+')
    .replace(/%3D/g, '=')
    .replace(/%2F/g, '/');
}

function pemOf(cert: X509Certificate | string): string {
  return typeof cert === 'string' ? cert : cert.toString();
}

/** Splits a request target into the path and the query pairs exactly as sent (not decoded). */
function splitRawTarget(url: string): { path: string; query: Array<[string, string]> } {
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const query: Array<[string, string]> = [];
  for (const part of (mark === -1 ? '' : url.slice(mark + 1)).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    query.push(eq === -1 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return { path: path === '' ? '/' : path, query };
}

function multiMap(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string[]> {
  // Prototype-less, as JSON.parse gives them to the Lambda: `constructor` or `__proto__` is just a name.
  const multi = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of pairs) (multi[name] ??= []).push(value);
  return multi;
}

/** The header pairs the ALB hands to the Lambda (names in lower case). */
export function albHeaderPairs(
  request: AlbReceivedRequest,
  traceId: string,
  certHeader: string = ALB_CLIENT_CERT_HEADER,
): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const forwardedFor: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'x-forwarded-for') {
      forwardedFor.push(value);
      continue;
    }
    // The ALB sets these itself.
    if (name === 'x-forwarded-port' || name === 'x-forwarded-proto' || name === 'x-amzn-trace-id') continue;
    pairs.push([name, value]);
  }
  pairs.push(['x-forwarded-for', [...forwardedFor, request.sourceIp].join(', ')]);
  pairs.push(['x-forwarded-port', String(request.localPort)]);
  pairs.push(['x-forwarded-proto', 'https']);
  pairs.push(['x-amzn-trace-id', traceId]);
  if (request.presentedChain && request.presentedChain.length > 0) {
    pairs.push([certHeader, encodeAlbCertificateChain(request.presentedChain.map(pemOf))]);
  }
  return pairs;
}

/** Builds the event an ALB would send its Lambda target for this request. */
export function buildAlbEvent(request: AlbReceivedRequest, context: AlbEventContext): ALBEvent {
  const { path, query } = splitRawTarget(request.url);
  const headers = albHeaderPairs(request, context.traceId, context.certHeader);
  const contentType = headers.find(([name]) => name === 'content-type')?.[1] ?? '';
  const encoded = headers.some(([name]) => name === 'content-encoding');
  const asText = !encoded && TEXT_TYPES.test(contentType);
  return {
    requestContext: { elb: { targetGroupArn: context.targetGroupArn ?? TARGET_GROUP_ARN } },
    httpMethod: request.method,
    path,
    multiValueQueryStringParameters: multiMap(query),
    multiValueHeaders: multiMap(headers),
    isBase64Encoded: !asText,
    body: asText ? request.body.toString('utf8') : request.body.toString('base64'),
  };
}

/** Headers the ALB computes or drops itself instead of relaying them from the Lambda's result. */
const NOT_RELAYED = new Set([...HOP_BY_HOP, 'content-length']);

/** What the ALB answers when the Lambda's result is too large or unreadable. */
export const ALB_BAD_GATEWAY: HttpResponse = {
  statusCode: 502,
  headers: [['content-type', 'text/html']],
  body: Buffer.from('<html><body><center><h1>502 Bad Gateway</h1></center></body></html>\n'),
};

/** The HTTP response for a Lambda result (multi-value headers on): the ALB's own 502 when it cannot use it. */
export function responseFromAlbResult(result: unknown): HttpResponse {
  const r = result as Partial<ALBResult> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    !Number.isInteger(r.statusCode) ||
    (r.statusCode as number) < 100 ||
    (r.statusCode as number) > 599 ||
    Buffer.byteLength(JSON.stringify(r)) > ALB_LAMBDA_LIMITS.maxResponseJsonBytes
  ) {
    return ALB_BAD_GATEWAY;
  }
  const headers: Array<[string, string]> = [];
  for (const [name, values] of Object.entries(r.multiValueHeaders ?? {})) {
    if (NOT_RELAYED.has(name.toLowerCase())) continue;
    for (const value of values) headers.push([name, String(value)]);
  }
  const raw = r.body ?? '';
  const body = r.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  return { statusCode: r.statusCode as number, headers, body };
}

export interface AlbEventOptions extends EventOptions {
  /** The port the client connected to. @default 443 */
  readonly localPort?: number;
  /** The listener's name for the chain header. @default ALB_CLIENT_CERT_HEADER */
  readonly certHeader?: string;
}

/**
 * The event an ALB would send for a request presenting this chain (leaf first; PEM strings, possibly
 * ones that do not parse) with these options: a shorthand over {@link buildAlbEvent} for tests and the
 * benchmark. A single PEM is a chain of one.
 */
export function albEvent(
  presented: string | readonly string[] | undefined,
  options: AlbEventOptions = {},
): ALBEvent {
  return buildAlbEvent(
    {
      ...requestFromOptions(options),
      localPort: options.localPort ?? 443,
      presentedChain:
        presented === undefined ? undefined : typeof presented === 'string' ? [presented] : presented,
    },
    { traceId: traceIdFor(new Date()), certHeader: options.certHeader },
  );
}
