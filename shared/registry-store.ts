/**
 * Registry I/O (docs/reference.md#registry), shared by the admin CLI (reads and writes), the truststore builder Lambda and
 * the local edge (reads). Low-level DynamoDB commands over the item shape of `registry-model.ts`.
 *
 * Subject DNs of self-signed entries are unique (API Gateway refuses two certificates with one subject DN
 * in a truststore). DynamoDB Local stand-ins have no transactions, so uniqueness holds through a guard
 * item per subject (`SUBJECT_GUARD_PREFIX + sha256(subject)`), claimed with a conditional write before
 * the entry is written: of two concurrent registrations of one subject, exactly one claims the guard.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { kindOf, type InspectedCertificate } from './certificate';
import {
  REGISTRY_ATTRIBUTES as A,
  REGISTRY_KEY,
  REGISTRY_TTL_ATTRIBUTE,
  SUBJECT_GUARD_PREFIX,
  entryFromItem,
  incompleteEntryFromItem,
  itemFromEntry,
  ttlFor,
  type IncompleteEntry,
  type Item,
  type RegistryEntry,
  type RegistryStatus,
} from './registry-model';
import type { CertificateKind } from './certificate';

/**
 * A guard whose entry never appeared (the registering process died in between) is taken over after
 * this long; a younger one is a registration in progress.
 */
export const GUARD_STALE_MS = 60_000;

/** The registry as the truststore sees it: its certificate entries, and the active self-signed items it cannot read. */
export interface RegistryContents {
  readonly entries: readonly RegistryEntry[];
  readonly incomplete: readonly IncompleteEntry[];
}

/**
 * Every certificate entry of the registry (paginated, consistent Scan; guard items skipped), and the
 * active self-signed items too incomplete to be entries.
 */
export async function scanRegistryContents(
  client: DynamoDBClient,
  tableName: string,
): Promise<RegistryContents> {
  const entries: RegistryEntry[] = [];
  const incomplete: IncompleteEntry[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      const entry = entryFromItem(item);
      if (entry) entries.push(entry);
      else {
        const partial = incompleteEntryFromItem(item);
        if (partial) incomplete.push(partial);
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { entries, incomplete };
}

/** Every certificate entry of the registry (paginated, consistent Scan; guard items skipped). */
export async function scanRegistry(client: DynamoDBClient, tableName: string): Promise<RegistryEntry[]> {
  return [...(await scanRegistryContents(client, tableName)).entries];
}

/** The guard item key of a subject DN. */
export function subjectGuardKey(subject: string): string {
  return SUBJECT_GUARD_PREFIX + createHash('sha256').update(subject, 'utf8').digest('hex');
}

/** The entry of a thumbprint (consistent read), or undefined. */
export async function getEntry(
  client: DynamoDBClient,
  tableName: string,
  thumbprint: string,
): Promise<RegistryEntry | undefined> {
  const { Item: item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { [REGISTRY_KEY]: { S: thumbprint } },
      ConsistentRead: true,
    }),
  );
  return item ? entryFromItem(item) : undefined;
}

export interface WriteOptions {
  /** The Auth0 client the certificate belongs to. */
  readonly clientId?: string;
  /** @default - the current time */
  readonly now?: Date;
}

/** A new entry for a certificate, with the TTL attribute a grace period after its `notAfter`. */
export function entryForCertificate(
  cert: InspectedCertificate,
  kind: CertificateKind,
  status: RegistryStatus,
  options: WriteOptions = {},
): RegistryEntry {
  const now = (options.now ?? new Date()).toISOString();
  return {
    thumbprint: cert.thumbprint,
    kind,
    status,
    pem: cert.pem,
    subject: cert.subject,
    notAfter: cert.notAfter.toISOString(),
    ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
    createdAt: now,
    updatedAt: now,
    expiresAt: ttlFor(cert.notAfter),
  };
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException'
  );
}

type GuardClaim = { readonly claimed: true } | { readonly claimed: false; readonly holder: string };

/** Claims the subject's guard for `thumbprint`, taking over a stale one whose entry never appeared. */
async function claimSubjectGuard(
  client: DynamoDBClient,
  tableName: string,
  cert: InspectedCertificate,
  now: Date,
): Promise<GuardClaim> {
  const key = subjectGuardKey(cert.subject);
  const guard: Item = {
    [REGISTRY_KEY]: { S: key },
    [A.owner]: { S: cert.thumbprint },
    [A.subject]: { S: cert.subject },
    [A.createdAt]: { S: now.toISOString() },
    // The guard expires with its entry, so a TTL-deleted entry does not leave its subject taken forever.
    [REGISTRY_TTL_ATTRIBUTE]: { N: String(ttlFor(cert.notAfter)) },
  };
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: guard,
        ConditionExpression: 'attribute_not_exists(#k)',
        ExpressionAttributeNames: { '#k': REGISTRY_KEY },
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const { Item: existing } = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { [REGISTRY_KEY]: { S: key } }, ConsistentRead: true }),
  );
  const holder = existing?.[A.owner]?.S;
  if (holder === undefined) return { claimed: false, holder: '(unknown)' };
  if (holder === cert.thumbprint) return { claimed: true }; // our own earlier, interrupted attempt
  const created = Date.parse(existing?.[A.createdAt]?.S ?? '');
  const stale = Number.isFinite(created) && now.getTime() - created > GUARD_STALE_MS;
  if (!stale || (await getEntry(client, tableName, holder))) return { claimed: false, holder };
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: guard,
        ConditionExpression: '#o = :holder',
        ExpressionAttributeNames: { '#o': A.owner },
        ExpressionAttributeValues: { ':holder': { S: holder } },
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { claimed: false, holder };
  }
}

/** Deletes the subject's guard if `thumbprint` holds it. */
async function releaseSubjectGuard(
  client: DynamoDBClient,
  tableName: string,
  subject: string,
  thumbprint: string,
): Promise<void> {
  try {
    await client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { [REGISTRY_KEY]: { S: subjectGuardKey(subject) } },
        ConditionExpression: '#o = :me',
        ExpressionAttributeNames: { '#o': A.owner },
        ExpressionAttributeValues: { ':me': { S: thumbprint } },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Writes a new entry unless one exists; false when one does. */
async function putNewEntry(
  client: DynamoDBClient,
  tableName: string,
  entry: RegistryEntry,
): Promise<boolean> {
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: itemFromEntry(entry),
        ConditionExpression: 'attribute_not_exists(#k)',
        ExpressionAttributeNames: { '#k': REGISTRY_KEY },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export type RegisterResult =
  /** Written now. */
  | { readonly outcome: 'registered'; readonly entry: RegistryEntry }
  /** The very same certificate is already registered and active: nothing changed. */
  | { readonly outcome: 'unchanged'; readonly entry: RegistryEntry }
  /** The certificate has an entry that is revoked, or of the other kind: refused, nothing changed. */
  | { readonly outcome: 'conflict'; readonly entry: RegistryEntry }
  /** Another certificate holds the subject DN (`holder`: its thumbprint; `entry` unless in progress). */
  | { readonly outcome: 'duplicate-subject'; readonly holder: string; readonly entry?: RegistryEntry };

/**
 * Registers a self-signed certificate (`kind=self-signed`, `status=active`), keeping subject DNs unique.
 * The certificate rules (self-signed, validity, key policy) are the caller's: this is storage only.
 */
export async function registerSelfSigned(
  client: DynamoDBClient,
  tableName: string,
  cert: InspectedCertificate,
  options: WriteOptions = {},
): Promise<RegisterResult> {
  const existing = await getEntry(client, tableName, cert.thumbprint);
  if (existing) {
    const same = existing.kind === 'self-signed' && existing.status === 'active';
    return { outcome: same ? 'unchanged' : 'conflict', entry: existing };
  }
  const now = options.now ?? new Date();
  const claim = await claimSubjectGuard(client, tableName, cert, now);
  if (!claim.claimed) {
    const entry = await getEntry(client, tableName, claim.holder);
    return { outcome: 'duplicate-subject', holder: claim.holder, ...(entry ? { entry } : {}) };
  }
  const entry = entryForCertificate(cert, 'self-signed', 'active', { ...options, now });
  let written: boolean;
  try {
    written = await putNewEntry(client, tableName, entry);
  } catch (error) {
    await releaseSubjectGuard(client, tableName, cert.subject, cert.thumbprint).catch(() => undefined);
    throw error;
  }
  if (written) return { outcome: 'registered', entry };
  // The same certificate was registered concurrently: report what is there now.
  const current = await getEntry(client, tableName, cert.thumbprint);
  if (!current) throw new Error(`registry entry ${cert.thumbprint} vanished during registration`);
  const same = current.kind === 'self-signed' && current.status === 'active';
  return { outcome: same ? 'unchanged' : 'conflict', entry: current };
}

export type AllowResult = {
  readonly outcome: 'allowed' | 'unchanged' | 'conflict';
  readonly entry: RegistryEntry;
};

/** Records a CA-signed certificate as `kind=ca-signed`, `status=active` (for `CA_SIGNED_POLICY=registered`). */
export async function allowCaSigned(
  client: DynamoDBClient,
  tableName: string,
  cert: InspectedCertificate,
  options: WriteOptions = {},
): Promise<AllowResult> {
  const entry = entryForCertificate(cert, 'ca-signed', 'active', options);
  if (await putNewEntry(client, tableName, entry)) return { outcome: 'allowed', entry };
  const current = await getEntry(client, tableName, cert.thumbprint);
  if (!current) throw new Error(`registry entry ${cert.thumbprint} vanished while allowing it`);
  const same = current.kind === 'ca-signed' && current.status === 'active';
  return { outcome: same ? 'unchanged' : 'conflict', entry: current };
}

export type RevokeResult =
  | { readonly outcome: 'revoked' | 'already-revoked' | 'created'; readonly entry: RegistryEntry }
  | { readonly outcome: 'not-found' };

/**
 * Sets `status=revoked`. With no entry and a certificate at hand, records a revoked entry for it (of the
 * certificate's real kind: `ca-signed` for a CA-signed certificate), so it stays refused under any policy.
 */
export async function revokeEntry(
  client: DynamoDBClient,
  tableName: string,
  thumbprint: string,
  options: WriteOptions & { readonly cert?: InspectedCertificate } = {},
): Promise<RevokeResult> {
  const now = options.now ?? new Date();
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await getEntry(client, tableName, thumbprint);
    if (existing?.status === 'revoked') return { outcome: 'already-revoked', entry: existing };
    if (existing) {
      try {
        const { Attributes: attributes } = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { [REGISTRY_KEY]: { S: thumbprint } },
            UpdateExpression: 'SET #s = :revoked, #u = :now',
            ConditionExpression: 'attribute_exists(#k)',
            ExpressionAttributeNames: { '#s': A.status, '#u': A.updatedAt, '#k': REGISTRY_KEY },
            ExpressionAttributeValues: {
              ':revoked': { S: 'revoked' satisfies RegistryStatus },
              ':now': { S: now.toISOString() },
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const entry = attributes ? entryFromItem(attributes) : undefined;
        return { outcome: 'revoked', entry: entry ?? { ...existing, status: 'revoked' } };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        continue; // removed meanwhile: look again
      }
    }
    if (!options.cert) return { outcome: 'not-found' };
    const entry = entryForCertificate(options.cert, kindOf(options.cert), 'revoked', { ...options, now });
    if (await putNewEntry(client, tableName, entry)) return { outcome: 'created', entry };
    // Written meanwhile: look again.
  }
  throw new Error(`registry entry ${thumbprint} kept changing while revoking it`);
}

/** Deletes an entry (and the subject guard it holds); the deleted entry, or undefined when there was none. */
export async function removeEntry(
  client: DynamoDBClient,
  tableName: string,
  thumbprint: string,
): Promise<RegistryEntry | undefined> {
  const { Attributes: attributes } = await client.send(
    new DeleteItemCommand({
      TableName: tableName,
      Key: { [REGISTRY_KEY]: { S: thumbprint } },
      ReturnValues: 'ALL_OLD',
    }),
  );
  const removed = attributes ? entryFromItem(attributes) : undefined;
  if (removed) await releaseSubjectGuard(client, tableName, removed.subject, thumbprint);
  return removed;
}
