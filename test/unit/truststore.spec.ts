// reflect-metadata before @peculiar/x509 (its tsyringe needs it), as stand-ins/pki does.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { inspectCertificate } from '../../shared/certificate';
import {
  MAX_TRUSTSTORE_BYTES,
  assembleTruststore,
  checkTruststore,
  type TruststoreResult,
} from '../../shared/truststore';
import { createCaChain, createCertificate, createTestPki, toPem, type TestPki } from '../../stand-ins/pki';
import { opensslSelfSigned } from '../../stand-ins/openssl';

const DAY = 86_400_000;
const inDays = (days: number): Date => new Date(Date.now() + days * DAY);

let pki: TestPki;
let client: string;

const codes = (findings: TruststoreResult['errors']): string[] => findings.map((f) => f.code);

beforeAll(async () => {
  pki = await createTestPki('Store');
  client = (await createCertificate({ subject: 'CN=self-signed client, O=Store', notAfter: inDays(365) }))
    .pem;
});

describe('checkTruststore', () => {
  it('passes a clean file: CA chain plus a CA:FALSE self-signed client, with a summary', () => {
    const text = pki.caBundlePem + client;
    const result = checkTruststore(text);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.certificates).toBe(3);
    expect(result.bytes).toBe(Buffer.byteLength(text));
    expect(result.pem).toBe(text);
    expect(result.earliestExpiry?.getTime()).toBe(inspectCertificate(client).notAfter.getTime());
  });

  it('names the certificate a finding concerns by position, subject and thumbprint', () => {
    const result = checkTruststore(pki.caBundlePem + pki.leaf.pem);
    const finding = result.errors.find((f) => f.code === 'not-a-ca');
    expect(finding?.certificate).toEqual({
      index: 3,
      subject: 'CN=Store client, O=Store',
      thumbprint: inspectCertificate(pki.leaf.pem).thumbprint,
    });
    expect(finding?.message).toContain('certificate #3 (CN=Store client, O=Store, thumbprint ');
  });

  describe('errors', () => {
    it('unparsable: a PEM block that is not a certificate', () => {
      const junk = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
      const result = checkTruststore(pki.caBundlePem + junk);
      expect(result.ok).toBe(false);
      expect(codes(result.errors)).toEqual(['unparsable']);
      expect(result.errors[0]?.message).toMatch(/^certificate #3: not a parsable X.509 certificate/);
      expect(result.certificates).toBe(2);
    });

    it('unparsable: a certificate cut off before its END line', () => {
      const cut = client.slice(0, client.indexOf('-----END'));
      expect(codes(checkTruststore(pki.caBundlePem + cut).errors)).toEqual(['unparsable']);
    });

    it('unparsable: a private key in the truststore', () => {
      const key = pki.root.keyPem;
      const result = checkTruststore(pki.caBundlePem + key);
      expect(codes(result.errors)).toEqual(['unparsable']);
      expect(result.errors[0]?.message).toBe('a PRIVATE KEY block is not a certificate');
    });

    it('empty: no certificate at all', () => {
      expect(codes(checkTruststore('\n').errors)).toEqual(['empty']);
    });

    it('not-a-ca: a leaf issued by someone else', () => {
      const result = checkTruststore(pki.caBundlePem + pki.leaf.pem);
      expect(codes(result.errors)).toEqual(['not-a-ca']);
    });

    it('issuer-not-ca: a CA:FALSE self-signed certificate that issued another certificate of the file', async () => {
      const notCa = await createCertificate({ subject: 'CN=not a CA', notAfter: inDays(365) });
      const child = await createCertificate({
        subject: 'CN=child CA',
        issuer: notCa,
        ca: true,
        notAfter: inDays(300),
      });
      const result = checkTruststore(notCa.pem + child.pem);
      expect(codes(result.errors)).toEqual(['issuer-not-ca']);
      expect(result.errors[0]?.certificate?.index).toBe(1);
      expect(result.errors[0]?.message).toContain('issued certificate #2 but is not CA:TRUE');
    });

    it('public-ca: a root of Node’s public store', () => {
      const publicRoot = inspectCertificate(rootCertificates[0] as string).pem;
      const result = checkTruststore(pki.caBundlePem + publicRoot);
      expect(codes(result.errors)).toContain('public-ca');
      const finding = result.errors.find((f) => f.code === 'public-ca');
      expect(finding?.certificate?.index).toBe(3);
      expect(finding?.message).toContain('is the publicly trusted root');
    });

    it('public-ca: an intermediate issued by a public root, and one chaining to it in the file', async () => {
      const [fakePublic, issuing, sub] = await createCaChain([
        'CN=Pretend Public',
        'CN=Public Issuing',
        'CN=Sub CA',
      ]);
      const result = checkTruststore(issuing.pem + sub.pem, { publicRoots: [fakePublic.pem] });
      expect(codes(result.errors)).toEqual(['public-ca', 'public-ca']);
      expect(result.errors[0]?.message).toContain(
        'was issued by the publicly trusted root CN=Pretend Public',
      );
      expect(result.errors[1]?.message).toContain('chains to a publicly trusted root through certificate #1');
      // The issuing CA's own issuer (the public root) is not in the file.
      expect(codes(result.warnings)).toEqual(['missing-issuer']);
    });

    it('public-ca becomes a loud warning with allowPublicCa', () => {
      const publicRoot = inspectCertificate(rootCertificates[0] as string).pem;
      const result = checkTruststore(publicRoot, { allowPublicCa: true });
      expect(codes(result.errors)).not.toContain('public-ca');
      const warning = result.warnings.find((f) => f.code === 'public-ca');
      expect(warning?.severity).toBe('warning');
      expect(warning?.message).toMatch(/^PUBLIC CA ALLOWED: .*anyone who can get a certificate from this CA/);
    });

    it('weak-key: RSA 1024', async () => {
      const weak = await createCertificate({
        subject: 'CN=rsa1024',
        key: { type: 'rsa', bits: 1024 },
        ca: true,
        notAfter: inDays(99),
      });
      const result = checkTruststore(weak.pem);
      expect(codes(result.errors)).toEqual(['weak-key']);
      expect(result.errors[0]?.message).toContain('RSA key of 1024 bits');
    });

    it('weak-key: EC P-224 (openssl)', () => {
      const result = checkTruststore(
        opensslSelfSigned({ subject: '/CN=p224', key: 'ec:secp224r1', ca: true }),
      );
      expect(codes(result.errors)).toEqual(['weak-key']);
    });

    it('weak-signature: SHA-1', async () => {
      const sha1 = await createCertificate({
        subject: 'CN=sha1',
        hash: 'SHA-1',
        ca: true,
        notAfter: inDays(99),
      });
      expect(codes(checkTruststore(sha1.pem).errors)).toEqual(['weak-signature']);
    });

    it('weak-signature: MD5 (openssl)', () => {
      const md5 = opensslSelfSigned({ subject: '/CN=md5', key: 'rsa:2048', digest: 'md5', ca: true });
      expect(codes(checkTruststore(md5).errors)).toEqual(['weak-signature']);
    });

    it('expired', async () => {
      const old = await createCertificate({
        subject: 'CN=old',
        ca: true,
        notBefore: new Date(Date.now() - 10 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
      const result = checkTruststore(pki.caBundlePem + old.pem);
      expect(codes(result.errors)).toEqual(['expired']);
      expect(result.errors[0]?.message).toMatch(/expired on \d{4}-/);
    });

    it('expired is judged at options.now', () => {
      const later = new Date(inspectCertificate(client).notAfter.getTime() + DAY);
      expect(codes(checkTruststore(client, { now: later }).errors)).toEqual(['expired']);
    });

    it('not-yet-valid', async () => {
      const future = await createCertificate({
        subject: 'CN=future',
        ca: true,
        notBefore: inDays(2),
        notAfter: inDays(400),
      });
      expect(codes(checkTruststore(future.pem).errors)).toEqual(['not-yet-valid']);
    });

    it('duplicate-subject: two certificates with one subject DN', async () => {
      const twin = await createCertificate({
        subject: 'CN=Store Root CA, O=Store',
        ca: true,
        notAfter: inDays(400),
      });
      const result = checkTruststore(pki.caBundlePem + twin.pem);
      expect(codes(result.errors)).toEqual(['duplicate-subject']);
      expect(result.errors[0]?.message).toContain('same subject DN as certificate #1');
    });

    it('duplicate-subject: the same certificate twice says so', () => {
      const result = checkTruststore(client + client);
      expect(codes(result.errors)).toEqual(['duplicate-subject']);
      expect(result.errors[0]?.message).toContain('(it is the same certificate)');
    });

    it('too-large: 1,000,000 bytes or more of real certificates', async () => {
      // Self-signed client certificates of about 25 KB (300 DNS names each). Encoding the names is the
      // slow part, so the first certificate's extensions and key are signed again under other subjects.
      const names = Array.from({ length: 300 }, (_, i) => `host-${i}-${'x'.repeat(40)}.example.com`);
      const first = await createCertificate({ subject: 'CN=big 0', dnsNames: names, notAfter: inDays(365) });
      const count = Math.ceil(MAX_TRUSTSTORE_BYTES / first.pem.length);
      const pems = [first.pem];
      for (let i = 1; i < count; i++) {
        const cert = await x509.X509CertificateGenerator.create({
          serialNumber: '01' + randomBytes(15).toString('hex'),
          subject: `CN=big ${i}`,
          issuer: `CN=big ${i}`,
          notBefore: first.cert.notBefore,
          notAfter: first.cert.notAfter,
          signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as Algorithm,
          publicKey: first.keys.publicKey,
          signingKey: first.keys.privateKey,
          extensions: first.cert.extensions,
        });
        pems.push(toPem(cert.rawData));
      }
      const result = checkTruststore(pems.join(''));
      expect(result.bytes).toBeGreaterThanOrEqual(MAX_TRUSTSTORE_BYTES);
      expect(codes(result.errors)).toEqual(['too-large']);
      expect(checkTruststore(pems.slice(1).join('')).errors).toEqual([]);
    });
  });

  describe('warnings', () => {
    it('expiring-soon: within 30 days', async () => {
      const soon = await createCertificate({ subject: 'CN=soon', notAfter: inDays(10) });
      const result = checkTruststore(pki.caBundlePem + soon.pem);
      expect(result.ok).toBe(true);
      expect(codes(result.warnings)).toEqual(['expiring-soon']);
      expect(result.warnings[0]?.certificate?.subject).toBe('CN=soon');
    });

    it('missing-issuer: an intermediate without its issuer', () => {
      const result = checkTruststore(pki.intermediate.pem);
      expect(result.ok).toBe(true);
      expect(codes(result.warnings)).toEqual(['missing-issuer']);
      expect(result.warnings[0]?.message).toContain(
        'its issuer CN=Store Root CA, O=Store is not in the truststore',
      );
    });
  });
});

describe('assembleTruststore', () => {
  it('writes the CA bundle then the self-signed certificates, each in canonical PEM', async () => {
    const second = await createCertificate({ subject: 'CN=second client', notAfter: inDays(365) });
    const messyBundle = `# our CAs\r\n${pki.caBundlePem.replace(/\n/g, '\r\n')}`;
    const result = assembleTruststore(messyBundle, [client, second.pem]);
    expect(result.ok).toBe(true);
    expect(result.pem).toBe(pki.root.pem + pki.intermediate.pem + client + second.pem);
    expect(result.certificates).toBe(4);
    expect(result.bytes).toBe(Buffer.byteLength(result.pem));
  });

  it('refuses a CA bundle without any certificate (never a CA-less truststore)', () => {
    const result = assembleTruststore('no certificates here\n', [client]);
    expect(result.ok).toBe(false);
    expect(codes(result.errors)).toEqual(['no-ca']);
  });

  it('refuses a CA bundle with a cut-off certificate even though the rest assembles', () => {
    const cut = pki.intermediate.pem.slice(0, 200);
    const result = assembleTruststore(pki.root.pem + cut, [client]);
    expect(codes(result.errors)).toEqual(['unparsable']);
    expect(result.errors[0]?.message).toMatch(/^CA bundle: /);
  });

  it('finds a registered self-signed certificate that collides with a CA subject', async () => {
    const clash = await createCertificate({ subject: 'CN=Store Issuing CA, O=Store', notAfter: inDays(365) });
    const result = assembleTruststore(pki.caBundlePem, [clash.pem]);
    expect(codes(result.errors)).toEqual(['duplicate-subject']);
    expect(result.errors[0]?.certificate?.index).toBe(3);
  });
});
