/**
 * Which headers reach Auth0 (docs/reference.md#forwarded-request) and which come back
 * (docs/reference.md#relayed-response).
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { ALB_MTLS_HEADER_PREFIX } from '../../shared/contracts/alb';
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

/**
 * Prefixes of headers the edge owns: every `X-Amzn-Mtls-*` header the ALB's mutual TLS may write,
 * including the renamed chain header (ALB_CLIENT_CERT_HEADER must start with the prefix). A client's copy
 * tells Auth0 nothing true, whichever front door it came through.
 */
const OWNED_PREFIXES = [ALB_MTLS_HEADER_PREFIX];

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

/**
 * The name a header is judged by: lower case, and `_` read as `-`, because some servers (and CGI-style
 * frameworks) map `client_certificate_ca_verified` to `client-certificate-ca-verified`. A client must not
 * get a header of ours through under that spelling.
 */
function canonical(lower: string): string {
  return lower.includes('_') ? lower.replace(/_/g, '-') : lower;
}

/** A header name as every front door judges it: any letter case, `_` read as `-`. */
export function judgedName(name: string): string {
  return canonical(name.toLowerCase());
}

/** Adds the canonical names a `Connection` header value lists. */
function connectionTokens(value: string, named: Set<string> | undefined): Set<string> {
  const set = named ?? new Set<string>();
  for (const token of value.split(',')) {
    const t = canonical(token.trim().toLowerCase());
    if (t) set.add(t);
  }
  return set;
}

/** Whether a header name is `Connection` (any case, `_` for `-`), without lower-casing every name. */
function isConnection(name: string): boolean {
  return name.length === 10 && canonical(name.toLowerCase()) === 'connection';
}

/**
 * Calls `keep` for each client header the edge passes on: not one it owns, not hop-by-hop, not one a
 * `Connection` header names, in any letter case and with `_` for `-`. No intermediate arrays: this
 * runs on every request.
 */
function forEachPassedHeader(
  headers: ReadonlyArray<readonly [string, string]>,
  keep: (name: string, value: string) => void,
): void {
  let named: Set<string> | undefined;
  for (const [name, value] of headers) if (isConnection(name)) named = connectionTokens(value, named);
  for (const [name, value] of headers) {
    const judged = canonical(name.toLowerCase());
    if (!REQUEST_DROPPED.has(judged) && !named?.has(judged) && !hasOwnedPrefix(judged)) keep(name, value);
  }
}

function hasOwnedPrefix(lower: string): boolean {
  for (const prefix of OWNED_PREFIXES) if (lower.startsWith(prefix)) return true;
  return false;
}

/** Client headers minus everything the edge owns, hop-by-hop headers and those `Connection` names. */
export function filterClientHeaders(
  headers: ReadonlyArray<readonly [string, string]>,
): Array<readonly [string, string]> {
  const kept: Array<readonly [string, string]> = [];
  forEachPassedHeader(headers, (name, value) => kept.push([name, value]));
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
 * The complete header list sent upstream, as Node's raw `[name, value, name, value, …]` list that
 * `forward.ts` hands to `http.request` unchanged: the filtered client headers (names as sent, every
 * value, in order) plus ours, exactly once each.
 * @throws TypeError when a client header name or value is not valid HTTP
 */
export function upstreamHeaders(
  clientHeaders: ReadonlyArray<readonly [string, string]>,
  own: OwnHeaders,
): string[] {
  const raw: string[] = [];
  forEachPassedHeader(clientHeaders, (name, value) => {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    raw.push(name, value);
  });
  raw.push(
    'host',
    own.host,
    'cname-api-key',
    own.apiKey,
    'client-certificate',
    own.clientCertificate,
    'client-certificate-ca-verified',
    own.caVerified,
    own.clientIpHeader,
    own.clientIp,
  );
  if (own.contentLength !== undefined) raw.push('content-length', String(own.contentLength));
  return raw;
}

/**
 * Upstream response headers (raw name/value list) as multi-value headers (API Gateway's and the ALB's
 * `multiValueHeaders`), hop-by-hop dropped. A prototype-less object: a header named `constructor` or
 * `__proto__` is an entry like any other.
 */
export function responseHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  let named: Set<string> | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (isConnection(rawHeaders[i]!)) named = connectionTokens(rawHeaders[i + 1]!, named);
  }
  const out = Object.create(null) as Record<string, string[]>;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    if (RESPONSE_DROPPED.has(lower) || named?.has(canonical(lower))) continue;
    (out[lower] ??= []).push(rawHeaders[i + 1]!);
  }
  return out;
}
