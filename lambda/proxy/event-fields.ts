/**
 * Reading the fields both front doors' events share, defensively: the front door sends well-formed
 * events, but the handler must answer junk with a JSON 4xx, never throw.
 */
import { BadRequest } from './request';

export type Loose = Record<string, unknown>;

/** The value as a plain object, or undefined. */
export function record(value: unknown): Loose | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : undefined;
}

/** Every value of a multi-value map (`{ name: [value, …] }`) as name/value pairs, in event order. */
export function multiValuePairs(multi: unknown, what: string): Array<[string, string]> {
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
  return pairs;
}

/** The request path of either front door's event, before anything else is looked at (the allow-list check comes first). */
export function pathOf(event: unknown): string | undefined {
  const path = record(event)?.path;
  return typeof path === 'string' ? path : undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The body bytes of `body` + `isBase64Encoded`, as both front doors send them. */
export function bodyOf(event: Loose): Buffer {
  const body = event.body;
  if (typeof body === 'string') {
    if (event.isBase64Encoded === true) {
      const compact = body.replace(/\s+/g, '');
      if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new BadRequest('malformed base64 body');
      return Buffer.from(compact, 'base64');
    }
    return Buffer.from(body, 'utf8');
  }
  if (body !== null && body !== undefined) throw new BadRequest('malformed body');
  return Buffer.alloc(0);
}

/** The HTTP method, upper-case letters only. */
export function methodOf(event: Loose): string {
  const method = event.httpMethod;
  if (typeof method !== 'string' || !/^[A-Z]{1,16}$/.test(method)) throw new BadRequest('malformed method');
  return method;
}
