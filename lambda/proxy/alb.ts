/**
 * The Application Load Balancer front door: reads the event of a Lambda target group with multi-value
 * headers on (`lambda.multi_value_headers.enabled`) and renders the edge's answer as the result the ALB
 * expects (ELB docs, "Lambda functions as targets"). Defensive like the API Gateway reader: junk gets a
 * JSON 4xx, never a throw.
 *
 * What differs from API Gateway, and why this reader is not a copy of that one:
 * - The client certificate: in mutual TLS passthrough mode the ALB completes the handshake (the client
 *   proves it holds the key) and hands over the whole chain the client presented, unverified, in
 *   {@link ALB_CLIENT_CERT_HEADER}. The edge verifies it (`CaBundle.pathFrom`). The ELB docs say neither
 *   what the ALB does with a copy of that header the client sent itself nor what it sends when the
 *   client presented no certificate, so the reader trusts only what cannot be two things: exactly one
 *   copy (any letter case, `_` for `-`), nothing but URL-encoded PEM certificates. Anything else is
 *   refused (401), never guessed at.
 * - The client's IP: the ALB appends the address it saw to `X-Forwarded-For` (`routing.http.
 *   xff_header_processing.mode` = `append`, the default; ELB docs, "X-Forwarded headers"). Only that
 *   rightmost entry is the client's; everything left of it is whatever the client sent.
 * - Query parameters arrive as sent: "If the query parameters are URL-encoded, the load balancer does
 *   not decode them" (ELB docs, multi-value headers). The reader decodes them as a form would.
 * - The answer: `multiValueHeaders` (with multi-value headers on, `headers` is not used) and a
 *   `statusDescription`; at most 1 MB of JSON, so a larger upstream answer becomes a 502, never a
 *   truncated body.
 */
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import { splitPemBlocks } from '../../shared/certificate';
import { ALB_CLIENT_CERT_HEADER, ALB_LAMBDA_LIMITS } from '../../shared/contracts/alb';
import { refusalBody, refusalHeaders, statusOf, type Answer } from './answers';
import { bodyOf, methodOf, multiValuePairs, record, type Loose, pathOf } from './event-fields';
import type { UpstreamResponse } from './forward';
import { judgedName, responseHeaders } from './headers';
import { BadRequest, type EdgeRequest, type FrontDoor } from './request';

/** An event of the ALB front door: `requestContext.elb` is what tells it from API Gateway's. */
export function isAlbEvent(event: unknown): boolean {
  return record(record(record(event)?.requestContext)?.elb) !== undefined;
}

/** `application/x-www-form-urlencoded` decoding of one query component; a malformed escape stays as sent. */
function decodeQueryComponent(value: string): string {
  const spaced = value.includes('+') ? value.replace(/\+/g, ' ') : value;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * The client's IP: the rightmost entry of the last `X-Forwarded-For` value, which the ALB appended.
 * Only the name the ALB writes counts: a client's `X_Forwarded_For` (which the listener drops anyway,
 * `routing.http.drop_invalid_header_fields.enabled`) is never read for it, wherever the event puts it.
 * @throws BadRequest when there is none or it is not an IP address (e.g. the listener's
 *   `routing.http.xff_client_port.enabled` added a port): the client's IP is never guessed.
 */
function clientIpOf(headers: ReadonlyArray<readonly [string, string]>): string {
  let last: string | undefined;
  for (const [name, value] of headers) if (name.toLowerCase() === 'x-forwarded-for') last = value;
  const entry = last?.slice(last.lastIndexOf(',') + 1).trim();
  if (entry === undefined || isIP(entry) === 0) throw new BadRequest('missing or malformed X-Forwarded-For');
  return entry;
}

/**
 * What the ALB's URL encoding can produce: the unreserved characters, `%XX` escapes and the `+=/` it
 * leaves as they are. `+` is base64, never a space: the value is percent-decoded only.
 */
const ENCODED_PEM = /^[A-Za-z0-9\-._~%+=/]+$/;
const PEM_BLOCKS = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

type CertificateFields = Pick<EdgeRequest, 'clientCertPem' | 'presentedChain' | 'certificateProblem'>;

/** The presented chain from the certificate header's values (every copy the event holds). */
function certificateOf(values: readonly string[]): CertificateFields {
  if (values.length === 0 || (values.length === 1 && values[0] === '')) return { clientCertPem: undefined };
  if (values.length > 1)
    return { clientCertPem: undefined, certificateProblem: 'certificate-header-repeated' };
  const malformed: CertificateFields = {
    clientCertPem: undefined,
    certificateProblem: 'certificate-header-malformed',
  };
  const value = values[0]!;
  if (!ENCODED_PEM.test(value)) return malformed;
  let text: string;
  try {
    text = decodeURIComponent(value);
  } catch {
    return malformed;
  }
  const blocks = splitPemBlocks(text);
  // Between and around the blocks nothing but line breaks and spaces: no text to be read some other way.
  if (blocks.length === 0 || text.replace(PEM_BLOCKS, '').trim() !== '') return malformed;
  return { clientCertPem: blocks[0], presentedChain: blocks.slice(1) };
}

/**
 * @param certHeader the lower-case name the listener writes the chain under (`ALB_CLIENT_CERT_HEADER`)
 * @throws BadRequest when a field has the wrong shape
 */
function readEvent(event: ALBEvent, certHeader: string): EdgeRequest {
  const e = event as unknown as Loose;
  if (!isAlbEvent(e)) throw new BadRequest('missing requestContext.elb');
  const method = methodOf(e);
  // With multi-value headers off the ALB keeps only the last copy of a header, and a second copy of
  // the certificate header could no longer be seen: refuse to work that way.
  if (e.multiValueHeaders === undefined && e.headers !== undefined)
    throw new BadRequest('the target group must have lambda.multi_value_headers.enabled');
  const headers = multiValuePairs(e.multiValueHeaders, 'headers');
  const sourceIp = clientIpOf(headers);
  const body = bodyOf(e);
  const query = multiValuePairs(e.multiValueQueryStringParameters, 'query parameters').map(
    ([name, value]): [string, string] => [decodeQueryComponent(name), decodeQueryComponent(value)],
  );
  const certificateValues: string[] = [];
  let traceId = '';
  for (const [name, value] of headers) {
    const lower = judgedName(name);
    if (lower === certHeader) certificateValues.push(value);
    else if (lower === 'x-amzn-trace-id') traceId = value;
  }
  return {
    // The ALB gives no request id; its trace id names the request in its own logs too.
    requestId: traceId,
    method,
    path: pathOf(event) ?? '',
    query,
    headers,
    body,
    sourceIp,
    ...certificateOf(certificateValues),
  };
}

function statusDescription(statusCode: number): string {
  return `${statusCode} ${STATUS_CODES[statusCode] ?? 'Unknown'}`;
}

function relayResult(upstream: UpstreamResponse, body: string): ALBResult {
  return {
    statusCode: upstream.statusCode,
    statusDescription: statusDescription(upstream.statusCode),
    multiValueHeaders: responseHeaders(upstream.rawHeaders),
    body,
    isBase64Encoded: true,
  };
}

/** The result's JSON fits the ALB's limit (base64 needs no JSON escaping, so its length adds as is). */
function carries(upstream: UpstreamResponse): boolean {
  const base64Length = Math.ceil(upstream.body.length / 3) * 4;
  if (base64Length > ALB_LAMBDA_LIMITS.maxResponseJsonBytes) return false;
  const rest = Buffer.byteLength(JSON.stringify(relayResult(upstream, '')));
  return rest + base64Length <= ALB_LAMBDA_LIMITS.maxResponseJsonBytes;
}

function render(answer: Answer): ALBResult {
  if (answer.kind === 'relay') return relayResult(answer.upstream, answer.upstream.body.toString('base64'));
  const statusCode = statusOf(answer);
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(refusalHeaders(answer))) multiValueHeaders[name] = [value];
  return {
    statusCode,
    statusDescription: statusDescription(statusCode),
    multiValueHeaders,
    body: refusalBody(answer),
    isBase64Encoded: false,
  };
}

/**
 * The ALB front door reading the chain from `certHeader`. The stack renames the listener's header to a
 * name with a suffix only the deployment knows, so a client that presents no certificate cannot put a
 * chain of its choosing where the proxy reads one, whatever the ALB does with client headers of that
 * name (the ELB docs do not say); a client's `X-Amzn-Mtls-Clientcert` is then just a header, stripped.
 */
export function createAlbDoor(certHeader: string): FrontDoor<ALBEvent, ALBResult> {
  return { pathOf, read: (event) => readEvent(event, certHeader), carries, render };
}

/** The ALB front door with the listener's default header name. */
export const alb = createAlbDoor(ALB_CLIENT_CERT_HEADER);
