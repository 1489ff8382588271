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
  isWithinValidity,
  normalizeThumbprint,
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
