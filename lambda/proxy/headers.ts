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

/** Adds the lower-case names a `Connection` header value lists. */
function connectionTokens(value: string, named: Set<string> | undefined): Set<string> {
  const set = named ?? new Set<string>();
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t) set.add(t);
  }
  return set;
}

/** Whether a header name is `Connection`, without lower-casing every name on the hot path. */
function isConnection(name: string): boolean {
  return name.length === 10 && name.toLowerCase() === 'connection';
}

/**
 * Calls `keep` for each client header the edge passes on: not one it owns, not hop-by-hop, not one a
 * `Connection` header names. No intermediate arrays: this runs on every request.
 */
function forEachPassedHeader(
  headers: ReadonlyArray<readonly [string, string]>,
  keep: (name: string, lower: string, value: string) => void,
): void {
  let named: Set<string> | undefined;
  for (const [name, value] of headers) if (isConnection(name)) named = connectionTokens(value, named);
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (!REQUEST_DROPPED.has(lower) && !named?.has(lower)) keep(name, lower, value);
  }
}

/** Client headers minus everything the edge owns, hop-by-hop headers and those `Connection` names. */
export function filterClientHeaders(
  headers: ReadonlyArray<readonly [string, string]>,
): Array<readonly [string, string]> {
  const kept: Array<readonly [string, string]> = [];
  forEachPassedHeader(headers, (name, _lower, value) => kept.push([name, value]));
  return kept;
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
  forEachPassedHeader(clientHeaders, (name, lower, value) => {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const existing = out[lower];
    if (existing === undefined) out[lower] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[lower] = [existing, value];
  });
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
  let named: Set<string> | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (isConnection(rawHeaders[i]!)) named = connectionTokens(rawHeaders[i + 1]!, named);
  }
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    if (RESPONSE_DROPPED.has(lower) || named?.has(lower)) continue;
    (out[lower] ??= []).push(rawHeaders[i + 1]!);
  }
  return out;
}
