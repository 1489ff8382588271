import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import {
  CaBundle,
  MAX_CLIENT_CERTIFICATE_HEADER_BYTES,
  analyzeClientCertificate,
  encodeClientCertificateHeader,
  inspectCertificate,
  SubjectIndex,
  isCertificateKind,
  isWithinValidity,
  issued,
  kindOf,
  normalizeThumbprint,
  signed,
  thumbprintOf,
} from '../../shared/certificate';
import { createCertificate, createTestPki, type TestPki } from '../../stand-ins/pki';

let pki: TestPki;
let bundle: CaBundle;

beforeAll(async () => {
  pki = await createTestPki('Unit');
  bundle = CaBundle.fromPem(pki.caBundlePem);
});

describe('inspectCertificate', () => {
  it('computes the RFC 8705 x5t#S256 thumbprint: base64url SHA-256 of the DER, no padding', () => {
    const cert = inspectCertificate(pki.leaf.pem);
    const der = new X509Certificate(pki.leaf.pem).raw;
    expect(cert.thumbprint).toBe(createHash('sha256').update(der).digest('base64url'));
    expect(cert.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(thumbprintOf(der)).toBe(cert.thumbprint);
  });

  it('produces the canonical PEM exactly as OpenSSL prints it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cert-'));
    // Re-wrap the PEM with odd line lengths: the canonical form must not depend on the input's layout.
    const b64 = new X509Certificate(pki.leaf.pem).raw.toString('base64');
    const messy = `-----BEGIN CERTIFICATE-----\r\n${b64.replace(/(.{50})/g, '$1\r\n')}\r\n-----END CERTIFICATE-----`;
    writeFileSync(join(dir, 'leaf.pem'), messy);
    const openssl = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem')], { encoding: 'utf8' });
    expect(inspectCertificate(messy).pem).toBe(openssl);
  });

  it('reads subject, issuer, validity and CA flag', () => {
    const cert = inspectCertificate(pki.leaf.pem);
    expect(cert.subject).toBe('CN=Unit client, O=Unit');
    expect(cert.issuer).toBe('CN=Unit Issuing CA, O=Unit');
    expect(cert.isCa).toBe(false);
    expect(inspectCertificate(pki.root.pem).isCa).toBe(true);
    expect(Math.abs(cert.notAfter.getTime() - pki.leaf.cert.notAfter.getTime())).toBeLessThan(1000);
  });

  it('refuses junk', () => {
    expect(() =>
      inspectCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    ).toThrow(/not a parsable/);
  });
});

describe('normalizeThumbprint', () => {
  it('accepts x5t#S256 and the hex fingerprint OpenSSL prints, and nothing else', () => {
    const x509 = new X509Certificate(pki.leaf.pem);
    const x5t = thumbprintOf(x509.raw);
    expect(normalizeThumbprint(x5t)).toBe(x5t);
    expect(normalizeThumbprint(x509.fingerprint256)).toBe(x5t);
    expect(normalizeThumbprint(`sha256 Fingerprint=${x509.fingerprint256}`)).toBe(x5t);
    expect(normalizeThumbprint('abc')).toBeUndefined();
    expect(normalizeThumbprint(x5t + '=')).toBeUndefined();
  });
});

describe('analyzeClientCertificate', () => {
  it('a leaf issued by the intermediate of the bundle is CA-signed and verified by that intermediate', () => {
    const result = analyzeClientCertificate(pki.leaf.pem, bundle);
    expect(result.ok && result.kind === 'ca-signed' && result.verifiedBy?.subject).toBe(
      'CN=Unit Issuing CA, O=Unit',
    );
  });

  it('a leaf issued by the root directly is verified by the root', () => {
    const result = analyzeClientCertificate(pki.rootLeaf.pem, bundle);
    expect(result.ok && result.kind === 'ca-signed' && result.verifiedBy?.subject).toBe(
      'CN=Unit Root CA, O=Unit',
    );
  });

  it.each([
    ['CA:TRUE', true],
    ['CA:FALSE', false],
  ])('a self-signed certificate with %s is self-signed', async (_label, ca) => {
    const self = await createCertificate({ subject: 'CN=self', ca });
    const result = analyzeClientCertificate(self.pem, bundle);
    expect(result.ok && result.kind).toBe('self-signed');
  });

  it('RSA certificates are classified the same way', async () => {
    const rsa = await createTestPki('Rsa', { type: 'rsa', bits: 2048 });
    const rsaBundle = CaBundle.fromPem(rsa.caBundlePem);
    const leaf = analyzeClientCertificate(rsa.leaf.pem, rsaBundle);
    expect(leaf.ok && leaf.kind === 'ca-signed' && leaf.verifiedBy !== undefined).toBe(true);
    const self = await createCertificate({ subject: 'CN=rsa self', key: { type: 'rsa', bits: 2048 } });
    const selfResult = analyzeClientCertificate(self.pem, rsaBundle);
    expect(selfResult.ok && selfResult.kind).toBe('self-signed');
  });

  it('a leaf signed by a self-signed certificate outside the bundle is CA-signed but not verified', async () => {
    const rogueCa = await createCertificate({ subject: 'CN=registered self-signed', ca: true });
    const minted = await createCertificate({ subject: 'CN=Unit client, O=Unit', issuer: rogueCa });
    const result = analyzeClientCertificate(minted.pem, bundle);
    expect(result.ok && result.kind).toBe('ca-signed');
    expect(result.ok && result.kind === 'ca-signed' && result.verifiedBy).toBeUndefined();
  });

  it('a leaf that names a bundle CA as issuer but was signed by another key is not verified', async () => {
    const forged = await createCertificate({
      subject: 'CN=forged',
      issuer: pki.intermediate,
      signingKeys: (await createCertificate({ subject: 'CN=x' })).keys,
    });
    const result = analyzeClientCertificate(forged.pem, bundle);
    expect(result.ok && result.kind === 'ca-signed' && result.verifiedBy).toBeUndefined();
  });

  it('a bundle certificate without CA:TRUE never verifies a leaf', async () => {
    const notCa = await createCertificate({ subject: 'CN=not a ca' });
    const leaf = await createCertificate({ subject: 'CN=child', issuer: notCa });
    const result = analyzeClientCertificate(leaf.pem, CaBundle.fromPem(notCa.pem));
    expect(result.ok && result.kind === 'ca-signed' && result.verifiedBy).toBeUndefined();
  });

  it('rejects a certificate whose encoded header exceeds 4096 bytes', async () => {
    const big = await createCertificate({
      subject: 'CN=big',
      issuer: pki.intermediate,
      dnsNames: Array.from({ length: 60 }, (_, i) => `host-${i}.a-rather-long-subdomain.example.com`),
    });
    expect(encodeClientCertificateHeader(inspectCertificate(big.pem).pem).length).toBeGreaterThan(
      MAX_CLIENT_CERTIFICATE_HEADER_BYTES,
    );
    const result = analyzeClientCertificate(big.pem, bundle);
    expect(result).toMatchObject({ ok: false, reason: 'header-too-large' });
  });

  it('rejects junk as unparsable', () => {
    expect(analyzeClientCertificate('not a certificate', bundle)).toEqual({
      ok: false,
      reason: 'unparsable',
    });
  });
});

describe('isWithinValidity', () => {
  it('is false for expired and not-yet-valid certificates and true inside the window', async () => {
    const now = Date.now();
    const expired = inspectCertificate(
      (
        await createCertificate({
          subject: 'CN=old',
          notBefore: new Date(now - 10 * 86400e3),
          notAfter: new Date(now - 86400e3),
        })
      ).pem,
    );
    const future = inspectCertificate(
      (
        await createCertificate({
          subject: 'CN=new',
          notBefore: new Date(now + 86400e3),
          notAfter: new Date(now + 10 * 86400e3),
        })
      ).pem,
    );
    expect(isWithinValidity(expired, new Date(now))).toBe(false);
    expect(isWithinValidity(future, new Date(now))).toBe(false);
    expect(isWithinValidity(inspectCertificate(pki.leaf.pem), new Date(now))).toBe(true);
  });
});

describe('CaBundle.fromPem', () => {
  it('refuses a file with no certificate and names a broken block', () => {
    expect(() => CaBundle.fromPem('hello')).toThrow(/no PEM certificate/);
    expect(() =>
      CaBundle.fromPem(pki.root.pem + '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    ).toThrow(/#2/);
  });
});

describe('kindOf', () => {
  it('is self-signed when the certificate’s own key verifies it, CA:TRUE or not', async () => {
    expect(kindOf(inspectCertificate(pki.root.pem))).toBe('self-signed');
    expect(kindOf(inspectCertificate((await createCertificate({ subject: 'CN=plain self' })).pem))).toBe(
      'self-signed',
    );
  });

  it('is ca-signed for an intermediate and a leaf', () => {
    expect(kindOf(inspectCertificate(pki.intermediate.pem))).toBe('ca-signed');
    expect(kindOf(inspectCertificate(pki.leaf.pem))).toBe('ca-signed');
  });

  it('is ca-signed for a certificate naming itself as issuer but signed by another key', async () => {
    const other = await createCertificate({ subject: 'CN=other' });
    const forged = await createCertificate({ subject: 'CN=looks self-signed', signingKeys: other.keys });
    expect(inspectCertificate(forged.pem).issuer).toBe('CN=looks self-signed');
    expect(kindOf(inspectCertificate(forged.pem))).toBe('ca-signed');
  });
});

describe('isCertificateKind', () => {
  it('accepts exactly the two kinds', () => {
    expect(isCertificateKind('self-signed')).toBe(true);
    expect(isCertificateKind('ca-signed')).toBe(true);
    expect(isCertificateKind('Self-Signed')).toBe(false);
    expect(isCertificateKind(undefined)).toBe(false);
  });
});

describe('who signed whom: issued (strict) and signed (loose)', () => {
  it('both find the issuing CA of a leaf', () => {
    const leaf = new X509Certificate(pki.leaf.pem);
    const intermediate = new X509Certificate(pki.intermediate.pem);
    expect(issued(intermediate, leaf)).toBe(true);
    expect(signed(intermediate, leaf)).toBe(true);
  });

  it('only signed finds a CA:FALSE certificate (no keyCertSign) that signed another', async () => {
    const notCa = await createCertificate({ subject: 'CN=not a CA' });
    const child = await createCertificate({ subject: 'CN=child', issuer: notCa });
    const [issuer, cert] = [new X509Certificate(notCa.pem), new X509Certificate(child.pem)];
    expect(issued(issuer, cert)).toBe(false);
    expect(signed(issuer, cert)).toBe(true);
  });

  it('neither accepts a signature by another key under the issuer’s name', async () => {
    const forged = await createCertificate({
      subject: 'CN=forged',
      issuer: pki.intermediate,
      signingKeys: (await createCertificate({ subject: 'CN=x' })).keys,
    });
    const [issuer, cert] = [new X509Certificate(pki.intermediate.pem), new X509Certificate(forged.pem)];
    expect(issued(issuer, cert)).toBe(false);
    expect(signed(issuer, cert)).toBe(false);
  });

  it('neither accepts the right key under another name', async () => {
    const renamed = await createCertificate({
      subject: 'CN=renamed CA',
      keys: pki.intermediate.keys,
      ca: true,
    });
    const leaf = new X509Certificate(pki.leaf.pem);
    expect(signed(new X509Certificate(renamed.pem), leaf)).toBe(false);
    expect(issued(new X509Certificate(renamed.pem), leaf)).toBe(false);
  });
});

describe('SubjectIndex', () => {
  it('lists the items of one subject DN in the order added, and nothing for an unknown DN', async () => {
    const twin = await createCertificate({ subject: pki.root.subject, ca: true });
    const items = [pki.root, pki.intermediate, twin].map((c) => ({
      name: c.subject,
      x509: new X509Certificate(c.pem),
    }));
    const index = new SubjectIndex((item: (typeof items)[number]) => item.x509, items);
    expect(index.withSubject(items[0]!.x509.subject)).toEqual([items[0], items[2]]);
    expect(index.withSubject('CN=nobody')).toEqual([]);
  });

  it('finds the candidates a certificate names as its issuer', () => {
    const index = new SubjectIndex((c: X509Certificate) => c);
    const [root, intermediate] = [
      new X509Certificate(pki.root.pem),
      new X509Certificate(pki.intermediate.pem),
    ];
    index.add(root);
    index.add(intermediate);
    expect(index.namedAsIssuerOf(new X509Certificate(pki.leaf.pem))).toEqual([intermediate]);
    expect(index.namedAsIssuerOf(intermediate)).toEqual([root]);
  });

  it('keeps a DN whose value holds a comma apart from the DN it would print like', async () => {
    const commaInValue = await createCertificate({ subject: 'CN=a\\, O=b' });
    const twoRdns = await createCertificate({ subject: 'CN=a, O=b' });
    const index = new SubjectIndex(
      (c: X509Certificate) => c,
      [new X509Certificate(commaInValue.pem), new X509Certificate(twoRdns.pem)],
    );
    expect(index.withSubject(new X509Certificate(twoRdns.pem).subject)).toHaveLength(1);
    expect(index.withSubject(new X509Certificate(commaInValue.pem).subject)).toHaveLength(1);
    // Printed on one line (as findings name them) they stay apart too.
    expect(inspectCertificate(commaInValue.pem).subject).toBe('CN=a\\, O=b');
    expect(inspectCertificate(twoRdns.pem).subject).toBe('CN=a, O=b');
  });
});
