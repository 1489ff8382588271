/**
 * The certificate registry's item shape (CONTRACT section 3), shared by the proxy (reads), the admin CLI
 * (writes), the truststore builder and the local edge. DynamoDB attribute values only: no document
 * client, to keep the proxy bundle small.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { isCertificateKind, type CertificateKind } from './certificate';

/** Partition key: the RFC 8705 `x5t#S256` thumbprint. */
export const REGISTRY_KEY = 'thumbprint';
/** DynamoDB TTL attribute (epoch seconds): a grace period after the certificate's `notAfter`. */
export const REGISTRY_TTL_ATTRIBUTE = 'expiresAt';
/** Days an entry is kept after its certificate expired, before DynamoDB's TTL deletes it. */
export const REGISTRY_TTL_GRACE_DAYS = 30;
/**
 * Key prefix of the guard items that keep subject DNs unique (a conditional write on them). `#` is not
 * in the base64url alphabet, so a guard key can never collide with a thumbprint.
 */
export const SUBJECT_GUARD_PREFIX = 'subject#';

export type RegistryStatus = 'active' | 'revoked';

export interface RegistryEntry {
  readonly thumbprint: string;
  readonly kind: CertificateKind;
  readonly status: RegistryStatus;
  /** PEM; required for `self-signed` (it feeds the truststore). */
  readonly pem?: string;
  readonly subject: string;
  /** ISO 8601. */
  readonly notAfter: string;
  readonly clientId?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  /** Epoch seconds (DynamoDB TTL). */
  readonly expiresAt?: number;
}

/** What the proxy needs from an entry. */
export interface RegistryVerdict {
  readonly kind: CertificateKind;
  readonly status: RegistryStatus;
}

export type Item = Record<string, AttributeValue>;

function str(item: Item, name: string): string | undefined {
  const value = item[name];
  return value && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
}

function isStatus(value: string | undefined): value is RegistryStatus {
  return value === 'active' || value === 'revoked';
}

/**
 * The verdict of an item, or `undefined` when the item is malformed. A malformed item is never read as
 * `active`: callers treat it like a missing entry for self-signed certificates and must fail closed.
 */
export function verdictFromItem(item: Item): RegistryVerdict | undefined {
  const kind = str(item, 'kind');
  const status = str(item, 'status');
  if (!isCertificateKind(kind) || !isStatus(status)) return undefined;
  return { kind, status };
}

/** The whole entry, or undefined when the item is not a well-formed certificate entry (e.g. a guard). */
export function entryFromItem(item: Item): RegistryEntry | undefined {
  const thumbprint = str(item, REGISTRY_KEY);
  const verdict = verdictFromItem(item);
  const subject = str(item, 'subject');
  const notAfter = str(item, 'notAfter');
  if (!thumbprint || thumbprint.startsWith(SUBJECT_GUARD_PREFIX) || !verdict || !subject || !notAfter) {
    return undefined;
  }
  const ttl = item[REGISTRY_TTL_ATTRIBUTE];
  const expiresAt = ttl && 'N' in ttl && ttl.N !== undefined ? Number(ttl.N) : undefined;
  return {
    thumbprint,
    ...verdict,
    subject,
    notAfter,
    pem: str(item, 'pem'),
    clientId: str(item, 'clientId'),
    createdAt: str(item, 'createdAt'),
    updatedAt: str(item, 'updatedAt'),
    expiresAt,
  };
}

/** The DynamoDB item of an entry. */
export function itemFromEntry(entry: RegistryEntry): Item {
  const item: Item = {
    [REGISTRY_KEY]: { S: entry.thumbprint },
    kind: { S: entry.kind },
    status: { S: entry.status },
    subject: { S: entry.subject },
    notAfter: { S: entry.notAfter },
  };
  if (entry.pem !== undefined) item.pem = { S: entry.pem };
  if (entry.clientId !== undefined) item.clientId = { S: entry.clientId };
  if (entry.createdAt !== undefined) item.createdAt = { S: entry.createdAt };
  if (entry.updatedAt !== undefined) item.updatedAt = { S: entry.updatedAt };
  if (entry.expiresAt !== undefined) item[REGISTRY_TTL_ATTRIBUTE] = { N: String(entry.expiresAt) };
  return item;
}

/** TTL (epoch seconds) for a certificate expiring at `notAfter`. */
export function ttlFor(notAfter: Date): number {
  return Math.floor(notAfter.getTime() / 1000) + REGISTRY_TTL_GRACE_DAYS * 86400;
}
