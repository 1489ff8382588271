/**
 * API Gateway's side of the Lambda proxy integration, the one builder of its events: the REST API
 * (payload 1.0) proxy event API Gateway builds after an mTLS handshake, and the way it turns the Lambda's
 * result into an HTTP response. Pure: no sockets, no clock (the caller passes both). The local edge
 * builds its events here from real requests; tests and the benchmark use `apiGatewayEvent`, a shorthand
 * over the same builder.
 *
 * What API Gateway does and we mirror:
 * - `headers` holds the last value of each header, `multiValueHeaders` every value, names as sent;
 *   it appends the source IP to `X-Forwarded-For` and adds `X-Forwarded-Port`, `X-Forwarded-Proto` and
 *   `X-Amzn-Trace-Id`.
 * - query parameters arrive decoded (`+` is a space), `null` when there are none.
 * - with `binaryMediaTypes: ['*\/*']` every non-empty body arrives base64 with `isBase64Encoded: true`.
 * - `requestContext.identity.clientCert` describes the leaf only; dates in OpenSSL's
 *   `Aug  5 09:36:04 2021 GMT` form, the serial as colon-separated hex pairs.
 */
import { HOP_BY_HOP } from '../lambda/proxy/headers';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayEventClientCertificate,
} from 'aws-lambda';
import { X509Certificate, randomBytes, randomUUID } from 'node:crypto';
import { formatDn } from '../shared/certificate';

/** The HTTP request as the TLS server received it. */
export interface ReceivedHttpRequest {
  readonly method: string;
  /** Request target: path and query exactly as sent. */
  readonly url: string;
  /** Node's `rawHeaders`: name, value, name, value… in arrival order. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** The TCP peer address (an IPv4-mapped IPv6 address is reported as plain IPv4). */
  readonly sourceIp: string;
  /** The port the client connected to (`X-Forwarded-Port`). */
  readonly localPort: number;
  /**
   * The leaf certificate the client presented, if any; a PEM string is used as it is, even one that
   * does not parse (what the handler must then refuse).
   */
  readonly clientCertificate: X509Certificate | string | undefined;
}

export interface EventContext {
  readonly requestId: string;
  readonly traceId: string;
  readonly now: Date;
  /** @default 'local' */
  readonly stage?: string;
  /** @default '127.0.0.1' */
  readonly domainName?: string;
}

/** An X-Ray style trace id, as API Gateway adds it (`X-Amzn-Trace-Id`). */
export function traceIdFor(now: Date): string {
  return `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, as API Gateway reports IPv4 clients. */
export function normalizeSourceIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

/** Node's serial (upper-case hex) as API Gateway shows it: lower-case hex pairs joined by colons. */
export function formatSerialNumber(serial: string): string {
  const hex = serial.toLowerCase().replace(/[^0-9a-f]/g, '');
  const even = hex.length % 2 === 0 ? hex : `0${hex}`;
  return (even.match(/../g) ?? []).join(':');
}

/** `requestContext.identity.clientCert` for a leaf (a PEM that does not parse keeps empty fields). */
export function clientCertOf(cert: X509Certificate | string): APIGatewayEventClientCertificate {
  if (typeof cert === 'string') {
    let parsed: X509Certificate;
    try {
      parsed = new X509Certificate(cert);
    } catch {
      return {
        clientCertPem: cert,
        subjectDN: '',
        issuerDN: '',
        serialNumber: '',
        validity: { notBefore: '', notAfter: '' },
      };
    }
    return { ...clientCertOf(parsed), clientCertPem: cert };
  }
  return {
    clientCertPem: cert.toString(),
    subjectDN: formatDn(cert.subject),
    issuerDN: formatDn(cert.issuer),
    serialNumber: formatSerialNumber(cert.serialNumber),
    // Node prints validity the way OpenSSL (and API Gateway) does: `Aug  5 09:36:04 2021 GMT`.
    validity: { notBefore: cert.validFrom, notAfter: cert.validTo },
  };
}

function decodeQueryComponent(value: string): string {
  const spaced = value.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // a malformed escape stays as sent
  }
}

/** Splits a request target into path and decoded query pairs (every value, in order). */
export function splitTarget(url: string): { path: string; query: Array<[string, string]> } {
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const search = mark === -1 ? '' : url.slice(mark + 1);
  const query: Array<[string, string]> = [];
  for (const part of search.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    query.push([decodeQueryComponent(name), decodeQueryComponent(value)]);
  }
  return { path: path === '' ? '/' : path, query };
}

function toMaps(pairs: ReadonlyArray<readonly [string, string]>): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  if (pairs.length === 0) return { single: null, multi: null };
  // Prototype-less, as JSON.parse gives them to the Lambda: `constructor` or `__proto__` is just a name.
  const single = Object.create(null) as Record<string, string>;
  const multi = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of pairs) {
    single[name] = value; // the last value wins, like API Gateway
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

/** The header pairs API Gateway hands to the integration. */
export function eventHeaderPairs(
  request: Pick<ReceivedHttpRequest, 'rawHeaders' | 'sourceIp' | 'localPort'>,
  traceId: string,
): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const forwardedFor: string[] = [];
  let forwardedForName = 'X-Forwarded-For';
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!;
    const value = request.rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') {
      forwardedFor.push(value);
      forwardedForName = name;
      continue;
    }
    // API Gateway sets these itself.
    if (lower === 'x-forwarded-port' || lower === 'x-forwarded-proto' || lower === 'x-amzn-trace-id')
      continue;
    pairs.push([name, value]);
  }
  pairs.push([forwardedForName, [...forwardedFor, request.sourceIp].join(', ')]);
  pairs.push(['X-Forwarded-Port', String(request.localPort)]);
  pairs.push(['X-Forwarded-Proto', 'https']);
  pairs.push(['X-Amzn-Trace-Id', traceId]);
  return pairs;
}

/** Builds the proxy event API Gateway would send for this request. */
export function buildProxyEvent(request: ReceivedHttpRequest, context: EventContext): APIGatewayProxyEvent {
  const { path, query } = splitTarget(request.url);
  const headers = toMaps(eventHeaderPairs(request, context.traceId));
  const queryMaps = toMaps(query);
  const stage = context.stage ?? 'local';
  const proxy = path.replace(/^\/+/, '');
  const userAgent = headers.single
    ? (Object.entries(headers.single).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null)
    : null;
  const hasBody = request.body.length > 0;
  return {
    resource: proxy === '' ? '/' : '/{proxy+}',
    path,
    httpMethod: request.method,
    headers: headers.single ?? {},
    multiValueHeaders: headers.multi ?? {},
    queryStringParameters: queryMaps.single,
    multiValueQueryStringParameters: queryMaps.multi,
    pathParameters: proxy === '' ? null : { proxy },
    stageVariables: null,
    body: hasBody ? request.body.toString('base64') : null,
    isBase64Encoded: hasBody,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      domainName: context.domainName ?? '127.0.0.1',
      domainPrefix: (context.domainName ?? '127.0.0.1').split('.')[0],
      extendedRequestId: context.requestId,
      httpMethod: request.method,
      path: `/${stage}${path}`,
      protocol: 'HTTP/1.1',
      requestId: context.requestId,
      requestTime: apiGatewayRequestTime(context.now),
      requestTimeEpoch: context.now.getTime(),
      resourceId: 'local',
      resourcePath: proxy === '' ? '/' : '/{proxy+}',
      stage,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: request.clientCertificate ? clientCertOf(request.clientCertificate) : null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
    },
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.requestTime`: `05/Aug/2021:09:36:04 +0000`. */
export function apiGatewayRequestTime(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(now.getUTCDate())}/${MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}:` +
    `${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())} +0000`
  );
}

/** Headers API Gateway computes or drops itself instead of relaying them from the integration. */
const NOT_RELAYED = new Set([...HOP_BY_HOP, 'content-length']);

export interface HttpResponse {
  readonly statusCode: number;
  /** Name/value pairs in order; a repeated header appears once per value. */
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
}

/**
 * The HTTP response for a Lambda proxy result. Like API Gateway, `multiValueHeaders` and `headers` are
 * merged; for a name present in both (any letter case) only the multi-value list is used.
 */
export function responseFromResult(result: APIGatewayProxyResult): HttpResponse {
  const headers: Array<[string, string]> = [];
  const covered = new Set<string>();
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    covered.add(name.toLowerCase());
    if (NOT_RELAYED.has(name.toLowerCase())) continue;
    for (const value of values) headers.push([name, String(value)]);
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (covered.has(name.toLowerCase()) || NOT_RELAYED.has(name.toLowerCase())) continue;
    headers.push([name, String(value)]);
  }
  const raw = result.body ?? '';
  const body = result.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  return { statusCode: result.statusCode, headers, body };
}

/** What API Gateway answers when the integration throws or returns something it cannot read. */
export const INTERNAL_SERVER_ERROR: HttpResponse = {
  statusCode: 502,
  headers: [['content-type', 'application/json']],
  body: Buffer.from(JSON.stringify({ message: 'Internal server error' })),
};

export interface EventOptions {
  /** @default 'POST' */
  readonly method?: string;
  /** @default '/oauth/token' */
  readonly path?: string;
  /** Every value of every header, names as sent. @default - a form content type */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** Decoded query parameters. @default - none */
  readonly query?: ReadonlyArray<readonly [string, string]>;
  /** @default - a client-credentials form body */
  readonly body?: Buffer | string;
  /** @default '203.0.113.7' */
  readonly sourceIp?: string;
}

/**
 * The request the shorthand event builders describe (every front door's): the options with their
 * defaults, as a client would have sent it to port 443, without its certificate.
 */
export function requestFromOptions(options: EventOptions): Omit<ReceivedHttpRequest, 'clientCertificate'> {
  const headers = options.headers ?? [['content-type', 'application/x-www-form-urlencoded']];
  const body =
    options.body === undefined
      ? Buffer.from('grant_type=client_credentials&client_id=abc')
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(options.body);
  const query = (options.query ?? []).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return {
    method: options.method ?? 'POST',
    url: (options.path ?? '/oauth/token') + (query.length > 0 ? `?${query.join('&')}` : ''),
    rawHeaders: headers.flat(),
    body,
    sourceIp: options.sourceIp ?? '203.0.113.7',
    localPort: 443,
  };
}

/**
 * The event API Gateway would send for a request with this client certificate (PEM, possibly one that
 * does not parse) and these options: a shorthand over {@link buildProxyEvent} for tests and the benchmark.
 */
export function apiGatewayEvent(
  clientCertPem: string | undefined,
  options: EventOptions = {},
): APIGatewayProxyEvent {
  return buildProxyEvent(
    { ...requestFromOptions(options), clientCertificate: clientCertPem },
    { requestId: randomUUID(), traceId: traceIdFor(new Date()), now: new Date() },
  );
}
