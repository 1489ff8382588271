/**
 * Which registry entries go into the truststore (shared/truststore-registry.ts): one bad registration is
 * left out with its reason, the rest goes in; only problems no single entry causes refuse the file.
 */
import { inspectCertificate, splitPemBlocks } from '../../shared/certificate';
import { ttlFor, type RegistryEntry } from '../../shared/registry-model';
import { assembleFromRegistry, truststoreObjection } from '../../shared/truststore-registry';
import { createCertificate, createTestPki, type IssuedCertificate, type TestPki } from '../../stand-ins/pki';

const DAY = 86_400_000;
let pki: TestPki;
let good: IssuedCertificate;
let other: IssuedCertificate;

beforeAll(async () => {
  pki = await createTestPki('Select');
  good = await createCertificate({ subject: 'CN=good client, O=Select' });
  other = await createCertificate({ subject: 'CN=other client, O=Select' });
});

function entryOf(cert: IssuedCertificate, overrides: Partial<RegistryEntry> = {}): RegistryEntry {
  const inspected = inspectCertificate(cert.pem);
  return {
    thumbprint: inspected.thumbprint,
    kind: 'self-signed',
    status: 'active',
    pem: cert.pem,
    subject: inspected.subject,
    notAfter: inspected.notAfter.toISOString(),
    expiresAt: ttlFor(inspected.notAfter),
    ...overrides,
  };
}

const thumbprints = (pem: string): string[] =>
  splitPemBlocks(pem).map((b) => inspectCertificate(b).thumbprint);
const thumb = (cert: IssuedCertificate): string => inspectCertificate(cert.pem).thumbprint;

describe('assembleFromRegistry', () => {
  it('leaves out a self-signed certificate whose subject DN is a CA’s, with the reason, and keeps the others', async () => {
    const impostor = await createCertificate({ subject: pki.root.subject });
    const built = assembleFromRegistry(pki.caBundlePem, {
      entries: [entryOf(good), entryOf(impostor), entryOf(other)],
      incomplete: [],
    });
    expect(built.ok).toBe(true);
    expect(thumbprints(built.pem)).toEqual([
      thumb(pki.root),
      thumb(pki.intermediate),
      thumb(good),
      thumb(other),
    ]);
    expect(built.excluded).toEqual([
      {
        thumbprint: thumb(impostor),
        subject: inspectCertificate(impostor.pem).subject,
        code: 'duplicate-subject',
        reason: `has the same subject DN as the CA bundle's certificate ${inspectCertificate(pki.root.pem).subject}`,
        fault: true,
      },
    ]);
  });

  it('leaves out garbage PEM, a weak key, a missing PEM, an item without subject, and an expired certificate (not a fault)', async () => {
    const weak = await createCertificate({ subject: 'CN=weak, O=Select', key: { type: 'rsa', bits: 1024 } });
    const expired = await createCertificate({
      subject: 'CN=expired, O=Select',
      notBefore: new Date(Date.now() - 10 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const garbage = entryOf(other, { pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' });
    const built = assembleFromRegistry(pki.caBundlePem, {
      entries: [
        entryOf(good),
        garbage,
        entryOf(weak),
        entryOf(expired),
        entryOf(other, { thumbprint: 'x'.repeat(43), pem: undefined }),
      ],
      incomplete: [{ thumbprint: 'y'.repeat(43), missing: ['subject', 'notAfter'] }],
    });
    expect(built.ok).toBe(true);
    expect(thumbprints(built.pem)).toEqual([thumb(pki.root), thumb(pki.intermediate), thumb(good)]);
    const why = Object.fromEntries(built.excluded.map((e) => [e.code, e]));
    expect(Object.keys(why).sort()).toEqual([
      'expired',
      'incomplete',
      'missing-pem',
      'unparsable',
      'weak-key',
    ]);
    expect(why.expired!.fault).toBe(false);
    expect(built.excluded.filter((e) => e.fault)).toHaveLength(4);
    expect(why.incomplete!.reason).toMatch(/no subject and no notAfter/);
    expect(why['weak-key']!.reason).toMatch(/RSA/);
    expect(why.unparsable!.thumbprint).toBe(thumb(other));
  });

  it('of two entries with one subject DN, the later one (by thumbprint) is left out', async () => {
    const twin = await createCertificate({ subject: 'CN=good client, O=Select' });
    const [first, second] = [good, twin].sort((a, b) => (thumb(a) < thumb(b) ? -1 : 1));
    const built = assembleFromRegistry(pki.caBundlePem, {
      entries: [entryOf(twin), entryOf(good)],
      incomplete: [],
    });
    expect(thumbprints(built.pem)).toContain(thumb(first!));
    expect(built.excluded.map((e) => [e.thumbprint, e.code])).toEqual([
      [thumb(second!), 'duplicate-subject'],
    ]);
    expect(built.excluded[0]!.reason).toContain(`registry entry ${thumb(first!)}`);
  });

  it('still refuses what no entry causes: a CA bundle without certificates', () => {
    const built = assembleFromRegistry('', { entries: [entryOf(good)], incomplete: [] });
    expect(built.ok).toBe(false);
    expect(built.errors.map((e) => e.code)).toContain('no-ca');
  });
});

describe('truststoreObjection (register, with the CA bundle in view)', () => {
  it('objects to a self-signed certificate whose subject DN is a CA’s, not to an ordinary one', async () => {
    const impostor = await createCertificate({ subject: pki.intermediate.subject });
    expect(truststoreObjection(pki.caBundlePem, inspectCertificate(impostor.pem))?.code).toBe(
      'duplicate-subject',
    );
    expect(truststoreObjection(pki.caBundlePem, inspectCertificate(good.pem))).toBeUndefined();
  });
});
