/**
 * Which headers reach Auth0 (CONTRACT 2.3) and which come back (2.4).
 */
import { validateHeaderName, validateHeaderValue, type OutgoingHttpHeaders } from 'node:http';
import type { CaVerifiedStatus } from './decision';

/** Headers the edge owns or that would let a client choose its own IP: never passed on from the client. */
const OWNED = [
  'cname-api-key',
  'client-certificate',
  'client-certificate-ca-verified',
  'x-forwarded-for',
  'true-client-ip',
  'cf-connecting-ip',
  'x-azure-clientip',
  'x-real-ip',
  'forwarded',
  'host',
  'content-length',
];

/** RFC 9110 §7.6.1 hop-by-hop headers (plus the legacy `keep-alive` and proxy headers). */
export const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

const REQUEST_DROPPED = new Set([...OWNED, ...HOP_BY_HOP]);
const RESPONSE_DROPPED = new Set(HOP_BY_HOP);

/** Lower-case names listed in every `Connection` header. */
function connectionNamed(headers: ReadonlyArray<readonly [string, string]>): Set<string> {
  const named = new Set<string>();
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t) named.add(t);
    }
  }
  return named;
}

/** Client headers minus everything the edge owns, hop-by-hop headers and those `Connection` names. */
export function filterClientHeaders(
  headers: ReadonlyArray<readonly [string, string]>,
): Array<readonly [string, string]> {
  const named = connectionNamed(headers);
  return headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !REQUEST_DROPPED.has(lower) && !named.has(lower);
  });
}

export interface OwnHeaders {
  /** `host[:port]` of the forwarding target. */
  readonly host: string;
  readonly apiKey: string;
  /** The encoded `client-certificate` value. */
  readonly clientCertificate: string;
  readonly caVerified: CaVerifiedStatus;
  readonly clientIpHeader: string;
  readonly clientIp: string;
  readonly contentLength: number | undefined;
}

/**
 * The complete header set sent upstream: the filtered client headers plus ours, exactly once each.
 * @throws TypeError when a client header name or value is not valid HTTP
 */
export function upstreamHeaders(
  clientHeaders: ReadonlyArray<readonly [string, string]>,
  own: OwnHeaders,
): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of filterClientHeaders(clientHeaders)) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const lower = name.toLowerCase();
    const existing = out[lower];
    if (existing === undefined) out[lower] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[lower] = [existing, value];
  }
  out.host = own.host;
  out['cname-api-key'] = own.apiKey;
  out['client-certificate'] = own.clientCertificate;
  out['client-certificate-ca-verified'] = own.caVerified;
  out[own.clientIpHeader] = own.clientIp;
  if (own.contentLength !== undefined) out['content-length'] = String(own.contentLength);
  return out;
}

/** Upstream response headers (raw name/value list) as API Gateway multi-value headers, hop-by-hop dropped. */
export function responseHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
  const named = connectionNamed(pairs);
  const out: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (RESPONSE_DROPPED.has(lower) || named.has(lower)) continue;
    (out[lower] ??= []).push(value);
  }
  return out;
}
