/**
 * The certificate registry's item shape (docs/reference.md#registry), shared by the proxy (reads), the admin CLI
 * (writes), the truststore builder and the local edge. DynamoDB attribute values only: no document
 * client, to keep the proxy bundle small.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { isCertificateKind, type CertificateKind } from './certificate';

/**
 * The registry's attribute names, written once (docs/reference.md#registry fixes `thumbprint`, `kind`, `status`, `pem`,
 * `subject`, `notAfter` and `clientId`; the others are ours). Each but `owner` is also the name of the
 * {@link RegistryEntry} field it holds.
 */
export const REGISTRY_ATTRIBUTES = {
  /** Partition key: the RFC 8705 `x5t#S256` thumbprint (a guard item's key otherwise). */
  thumbprint: 'thumbprint',
  kind: 'kind',
  status: 'status',
  pem: 'pem',
  subject: 'subject',
  notAfter: 'notAfter',
  clientId: 'clientId',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
  /** DynamoDB TTL attribute (epoch seconds): a grace period after the certificate's `notAfter`. */
  expiresAt: 'expiresAt',
  /** Guard items only: the thumbprint of the entry that holds the subject DN. */
  owner: 'owner',
} as const;

/** Partition key: the RFC 8705 `x5t#S256` thumbprint. */
export const REGISTRY_KEY = REGISTRY_ATTRIBUTES.thumbprint;
/** DynamoDB TTL attribute (epoch seconds): a grace period after the certificate's `notAfter`. */
export const REGISTRY_TTL_ATTRIBUTE = REGISTRY_ATTRIBUTES.expiresAt;
/** Days an entry is kept after its certificate expired, before DynamoDB's TTL deletes it. */
export const REGISTRY_TTL_GRACE_DAYS = 30;
/**
 * Key prefix of the guard items that keep subject DNs unique (a conditional write on them). `#` is not
 * in the base64url alphabet, so a guard key can never collide with a thumbprint.
 */
export const SUBJECT_GUARD_PREFIX = 'subject#';

/** The registry's `status` values. */
export const REGISTRY_STATUSES = ['active', 'revoked'] as const;
export type RegistryStatus = (typeof REGISTRY_STATUSES)[number];

export function isRegistryStatus(value: unknown): value is RegistryStatus {
  return REGISTRY_STATUSES.some((status) => status === value);
}

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

const A = REGISTRY_ATTRIBUTES;

function str(item: Item, name: string): string | undefined {
  const value = item[name];
  return value && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
}

/**
 * The verdict of an item, or `undefined` when the item is malformed. A malformed item is never read as
 * `active`: callers treat it like a missing entry for self-signed certificates and must fail closed.
 */
export function verdictFromItem(item: Item): RegistryVerdict | undefined {
  const kind = str(item, A.kind);
  const status = str(item, A.status);
  if (!isCertificateKind(kind) || !isRegistryStatus(status)) return undefined;
  return { kind, status };
}

/** The whole entry, or undefined when the item is not a well-formed certificate entry (e.g. a guard). */
export function entryFromItem(item: Item): RegistryEntry | undefined {
  const thumbprint = str(item, REGISTRY_KEY);
  const verdict = verdictFromItem(item);
  const subject = str(item, A.subject);
  const notAfter = str(item, A.notAfter);
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
    pem: str(item, A.pem),
    clientId: str(item, A.clientId),
    createdAt: str(item, A.createdAt),
    updatedAt: str(item, A.updatedAt),
    expiresAt,
  };
}

/**
 * An item that claims to be an active self-signed certificate (it would feed the truststore) but lacks
 * an attribute a certificate entry needs, so {@link entryFromItem} cannot read it. Reported, never
 * silently skipped: the truststore leaves it out and says why.
 */
export interface IncompleteEntry {
  readonly thumbprint: string;
  readonly subject?: string;
  /** The attributes it lacks, e.g. `['subject']`. */
  readonly missing: readonly string[];
}

/** The item as an {@link IncompleteEntry}, when it is an active self-signed one lacking attributes. */
export function incompleteEntryFromItem(item: Item): IncompleteEntry | undefined {
  const thumbprint = str(item, REGISTRY_KEY);
  const verdict = verdictFromItem(item);
  if (!thumbprint || thumbprint.startsWith(SUBJECT_GUARD_PREFIX) || entryFromItem(item)) return undefined;
  if (verdict?.kind !== 'self-signed' || verdict.status !== 'active') return undefined;
  const missing = [A.subject, A.notAfter].filter((name) => str(item, name) === undefined);
  const subject = str(item, A.subject);
  return { thumbprint, missing, ...(subject !== undefined ? { subject } : {}) };
}

/** The DynamoDB item of an entry. */
export function itemFromEntry(entry: RegistryEntry): Item {
  const item: Item = {
    [REGISTRY_KEY]: { S: entry.thumbprint },
    [A.kind]: { S: entry.kind },
    [A.status]: { S: entry.status },
    [A.subject]: { S: entry.subject },
    [A.notAfter]: { S: entry.notAfter },
  };
  if (entry.pem !== undefined) item[A.pem] = { S: entry.pem };
  if (entry.clientId !== undefined) item[A.clientId] = { S: entry.clientId };
  if (entry.createdAt !== undefined) item[A.createdAt] = { S: entry.createdAt };
  if (entry.updatedAt !== undefined) item[A.updatedAt] = { S: entry.updatedAt };
  if (entry.expiresAt !== undefined) item[REGISTRY_TTL_ATTRIBUTE] = { N: String(entry.expiresAt) };
  return item;
}

/** TTL (epoch seconds) for a certificate expiring at `notAfter`. */
export function ttlFor(notAfter: Date): number {
  return Math.floor(notAfter.getTime() / 1000) + REGISTRY_TTL_GRACE_DAYS * 86400;
}
