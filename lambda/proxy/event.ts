/**
 * Reads the REST API (payload 1.0) proxy event defensively: API Gateway sends well-formed events, but
 * the handler must answer junk with a JSON 4xx, never throw.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { isIP } from 'node:net';

export interface EdgeRequest {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** Decoded query parameters, every value of every name, in event order. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Client headers as received, every value, names as sent. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  readonly sourceIp: string;
  /** `requestContext.identity.clientCert.clientCertPem`, when present. */
  readonly clientCertPem: string | undefined;
}

export class BadRequest extends Error {}

type Loose = Record<string, unknown>;

function record(value: unknown): Loose | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : undefined;
}

function stringPairs(single: unknown, multi: unknown, what: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const multiRecord = record(multi);
  if (multiRecord) {
    for (const name of Object.keys(multiRecord)) {
      const values = multiRecord[name];
      if (!Array.isArray(values)) throw new BadRequest(`malformed ${what}`);
      for (const value of values) {
        if (typeof value !== 'string') throw new BadRequest(`malformed ${what}`);
        pairs.push([name, value]);
      }
    }
  } else if (multi !== undefined && multi !== null) {
    throw new BadRequest(`malformed ${what}`);
  }
  const singleRecord = record(single);
  if (singleRecord) {
    // Only names the multi-value map lacks (API Gateway always sends both, consistently).
    for (const name of Object.keys(singleRecord)) {
      if (multiRecord && Object.hasOwn(multiRecord, name)) continue;
      const value = singleRecord[name];
      if (typeof value !== 'string') throw new BadRequest(`malformed ${what}`);
      pairs.push([name, value]);
    }
  } else if (single !== undefined && single !== null) {
    throw new BadRequest(`malformed ${what}`);
  }
  return pairs;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The request path, before anything else is looked at (the allow-list check comes first). */
export function pathOf(event: unknown): string | undefined {
  const path = record(event)?.path;
  return typeof path === 'string' ? path : undefined;
}

/** @throws BadRequest when a field has the wrong shape */
export function readEvent(event: APIGatewayProxyEvent): EdgeRequest {
  const e = event as unknown as Loose;
  const context = record(e.requestContext);
  const identity = record(context?.identity);
  const method = e.httpMethod;
  if (typeof method !== 'string' || !/^[A-Z]{1,16}$/.test(method)) throw new BadRequest('malformed method');
  const sourceIp = identity?.sourceIp;
  if (typeof sourceIp !== 'string' || isIP(sourceIp) === 0)
    throw new BadRequest('missing or malformed source IP');
  const requestId = typeof context?.requestId === 'string' ? context.requestId : '';
  const clientCert = record(identity?.clientCert);
  const pem = clientCert?.clientCertPem;
  let body = Buffer.alloc(0);
  if (typeof e.body === 'string') {
    if (e.isBase64Encoded === true) {
      const compact = e.body.replace(/\s+/g, '');
      if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new BadRequest('malformed base64 body');
      body = Buffer.from(compact, 'base64');
    } else {
      body = Buffer.from(e.body, 'utf8');
    }
  } else if (e.body !== null && e.body !== undefined) {
    throw new BadRequest('malformed body');
  }
  return {
    requestId,
    method,
    path: pathOf(event) ?? '',
    query: stringPairs(e.queryStringParameters, e.multiValueQueryStringParameters, 'query parameters'),
    headers: stringPairs(e.headers, e.multiValueHeaders, 'headers'),
    body,
    sourceIp,
    clientCertPem: typeof pem === 'string' && pem.length > 0 ? pem : undefined,
  };
}
