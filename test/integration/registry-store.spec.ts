import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { inspectCertificate } from '../../shared/certificate';
import {
  REGISTRY_ATTRIBUTES as A,
  REGISTRY_KEY,
  REGISTRY_TTL_ATTRIBUTE,
  itemFromEntry,
  ttlFor,
} from '../../shared/registry-model';
import {
  GUARD_STALE_MS,
  entryForCertificate,
  registerSelfSigned,
  removeEntry,
  revokeEntry,
  scanRegistry,
  scanRegistryContents,
  subjectGuardKey,
} from '../../shared/registry-store';
import { createCertificate } from '../../stand-ins/pki';
import {
  createRegistryTable,
  startRegistryServer,
  type RegistryServer,
} from '../../stand-ins/registry-server';

const DAY = 86_400_000;
let server: RegistryServer;
let n = 0;
let table: string;

beforeAll(async () => {
  server = await startRegistryServer();
});
beforeEach(async () => {
  table = `store-${++n}`;
  await createRegistryTable(server.client(), table);
});
afterAll(async () => {
  await server.close();
});

const cert = async (subject: string, notAfter = new Date(Date.now() + 365 * DAY)) =>
  inspectCertificate((await createCertificate({ subject, notAfter })).pem);

describe('registry store on dynalite', () => {
  it('scanRegistry returns certificate entries only, never guard items', async () => {
    const a = await cert('CN=scan a');
    await registerSelfSigned(server.client(), table, a);
    const entries = await scanRegistry(server.client(), table);
    expect(entries.map((e) => e.thumbprint)).toEqual([a.thumbprint]);
    const guard = await server.client().send(
      new GetItemCommand({
        TableName: table,
        Key: { [REGISTRY_KEY]: { S: subjectGuardKey('CN=scan a') } },
      }),
    );
    expect(guard.Item?.[A.owner]?.S).toBe(a.thumbprint);
  });

  it('scanRegistryContents also reports active self-signed items too incomplete to be entries, never skips them silently', async () => {
    const a = await cert('CN=contents a');
    await registerSelfSigned(server.client(), table, a);
    const ca = await cert('CN=contents ca-signed');
    // Incomplete: an active self-signed item without subject/notAfter; a ca-signed one is not the truststore's business.
    await server.client().send(
      new PutItemCommand({
        TableName: table,
        Item: {
          [REGISTRY_KEY]: { S: 'i'.repeat(43) },
          [A.kind]: { S: 'self-signed' },
          [A.status]: { S: 'active' },
        },
      }),
    );
    const withoutSubject = itemFromEntry(entryForCertificate(ca, 'ca-signed', 'active'));
    delete withoutSubject[A.subject];
    await server.client().send(new PutItemCommand({ TableName: table, Item: withoutSubject }));
    const contents = await scanRegistryContents(server.client(), table);
    expect(contents.entries.map((e) => e.thumbprint)).toEqual([a.thumbprint]);
    expect(contents.incomplete).toEqual([{ thumbprint: 'i'.repeat(43), missing: ['subject', 'notAfter'] }]);
  });

  it('writes the TTL attribute on the entry and its guard: notAfter plus the grace period', async () => {
    const a = await cert('CN=ttl');
    await registerSelfSigned(server.client(), table, a);
    for (const key of [a.thumbprint, subjectGuardKey('CN=ttl')]) {
      const { Item } = await server
        .client()
        .send(new GetItemCommand({ TableName: table, Key: { [REGISTRY_KEY]: { S: key } } }));
      expect(Item?.[REGISTRY_TTL_ATTRIBUTE]?.N).toBe(String(ttlFor(a.notAfter)));
    }
  });

  it('takes over a stale guard whose entry never appeared, but not a fresh one', async () => {
    const crashed = await cert('CN=orphan');
    const next = await cert('CN=orphan');
    const now = new Date();
    // A registration that died between the guard and the entry.
    await server.client().send(
      new PutItemCommand({
        TableName: table,
        Item: {
          [REGISTRY_KEY]: { S: subjectGuardKey('CN=orphan') },
          [A.owner]: { S: crashed.thumbprint },
          [A.subject]: { S: 'CN=orphan' },
          [A.createdAt]: { S: now.toISOString() },
        },
      }),
    );
    const fresh = await registerSelfSigned(server.client(), table, next, { now });
    expect(fresh).toMatchObject({ outcome: 'duplicate-subject', holder: crashed.thumbprint });
    const later = new Date(now.getTime() + GUARD_STALE_MS + 1000);
    const stale = await registerSelfSigned(server.client(), table, next, { now: later });
    expect(stale.outcome).toBe('registered');
  });

  it('revoke and remove: status changes, the entry and its guard go', async () => {
    const a = await cert('CN=gone');
    await registerSelfSigned(server.client(), table, a);
    expect((await revokeEntry(server.client(), table, a.thumbprint)).outcome).toBe('revoked');
    expect((await revokeEntry(server.client(), table, a.thumbprint)).outcome).toBe('already-revoked');
    expect((await removeEntry(server.client(), table, a.thumbprint))?.status).toBe('revoked');
    const { Items } = await server.client().send(new ScanCommand({ TableName: table }));
    expect(Items ?? []).toEqual([]);
    expect(await removeEntry(server.client(), table, a.thumbprint)).toBeUndefined();
  });
});
