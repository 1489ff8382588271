import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import {
  PublicRoots,
  keyProblem,
  policyProblems,
  signatureAlgorithmOf,
  signatureProblem,
} from '../../shared/certificate-policy';
import { createCertificate } from '../../stand-ins/pki';
import { opensslSelfSigned } from '../../stand-ins/openssl';

const x509 = (pem: string): X509Certificate => new X509Certificate(pem);

describe('signature algorithm', () => {
  it.each([
    ['SHA-256', 'ecdsa-with-SHA256'],
    ['SHA-384', 'ecdsa-with-SHA384'],
    ['SHA-512', 'ecdsa-with-SHA512'],
  ] as const)('reads ECDSA with %s from the DER and accepts it', async (hash, name) => {
    const cert = await createCertificate({ subject: `CN=ec ${hash}`, hash });
    expect(signatureAlgorithmOf(x509(cert.pem).raw)).toEqual({
      oid: expect.stringMatching(/^1\.2\.840\.10045\.4\.3\./),
      name,
      strong: true,
    });
    expect(signatureProblem(x509(cert.pem).raw)).toBeUndefined();
  });

  it('accepts sha256WithRSAEncryption', async () => {
    const cert = await createCertificate({ subject: 'CN=rsa', key: { type: 'rsa', bits: 2048 } });
    expect(signatureAlgorithmOf(x509(cert.pem).raw).name).toBe('sha256WithRSAEncryption');
    expect(policyProblems(x509(cert.pem))).toEqual([]);
  });

  it('refuses SHA-1 (RSA and ECDSA)', async () => {
    const rsa = await createCertificate({ subject: 'CN=sha1 rsa', key: { type: 'rsa' }, hash: 'SHA-1' });
    const ec = await createCertificate({ subject: 'CN=sha1 ec', hash: 'SHA-1' });
    expect(signatureProblem(x509(rsa.pem).raw)).toEqual({
      code: 'weak-signature',
      message: expect.stringContaining('sha1WithRSAEncryption (SHA-1)'),
    });
    expect(signatureProblem(x509(ec.pem).raw)?.message).toContain('ecdsa-with-SHA1');
  });

  it('refuses MD5 (made with openssl)', () => {
    const pem = opensslSelfSigned({ subject: '/CN=md5', key: 'rsa:2048', digest: 'md5' });
    expect(signatureProblem(x509(pem).raw)?.message).toContain('md5WithRSAEncryption (MD5)');
  });

  it('reads the hash inside RSASSA-PSS parameters: SHA-256 passes, SHA-1 is refused', () => {
    const good = x509(opensslSelfSigned({ subject: '/CN=pss256', key: 'rsa:2048', pss: true }));
    const bad = x509(opensslSelfSigned({ subject: '/CN=pss1', key: 'rsa:2048', pss: true, digest: 'sha1' }));
    expect(signatureAlgorithmOf(good.raw).name).toBe('RSASSA-PSS with SHA-256');
    expect(signatureProblem(good.raw)).toBeUndefined();
    expect(signatureProblem(bad.raw)?.message).toContain('RSASSA-PSS with SHA-1');
  });

  it('calls bytes that are not a whole DER certificate an unreadable signature algorithm', async () => {
    const der = x509((await createCertificate({ subject: 'CN=bytes' })).pem).raw;
    for (const junk of [
      der.subarray(0, 40), // the outer SEQUENCE runs past the end
      new Uint8Array([0x30, 0x84, 0xff]), // a length whose octets are missing
      new Uint8Array(0),
      Buffer.from('not DER at all'),
    ]) {
      expect(signatureProblem(junk)).toEqual({
        code: 'weak-signature',
        message: expect.stringMatching(/^unreadable signature algorithm \(/),
      });
    }
  });

  it('refuses an algorithm outside the allowlist (Ed25519)', () => {
    const cert = x509(opensslSelfSigned({ subject: '/CN=ed', key: 'ed25519' }));
    expect(signatureProblem(cert.raw)?.message).toContain('Ed25519');
  });
});

describe('key strength', () => {
  it('refuses RSA under 2048 bits and accepts 2048', async () => {
    const weak = await createCertificate({ subject: 'CN=rsa1024', key: { type: 'rsa', bits: 1024 } });
    const strong = await createCertificate({ subject: 'CN=rsa2048', key: { type: 'rsa', bits: 2048 } });
    expect(keyProblem(x509(weak.pem))).toEqual({
      code: 'weak-key',
      message: 'RSA key of 1024 bits (at least 2048 required)',
    });
    expect(keyProblem(x509(strong.pem))).toBeUndefined();
  });

  it.each(['P-256', 'P-384', 'P-521'] as const)('accepts EC %s', async (curve) => {
    const cert = await createCertificate({ subject: `CN=${curve}`, key: { type: 'ec', curve } });
    expect(keyProblem(x509(cert.pem))).toBeUndefined();
  });

  it('refuses EC under P-256 (secp224r1, made with openssl)', () => {
    const cert = x509(opensslSelfSigned({ subject: '/CN=p224', key: 'ec:secp224r1' }));
    expect(keyProblem(cert)?.message).toBe('EC key on curve secp224r1 (P-256, P-384 or P-521 required)');
  });

  it('refuses a key type API Gateway does not take (Ed25519)', () => {
    const cert = x509(opensslSelfSigned({ subject: '/CN=ed', key: 'ed25519' }));
    expect(keyProblem(cert)?.message).toMatch(/^ed25519 key/);
  });
});

describe('public roots', () => {
  it('recognises a certificate of Node’s root store as a publicly trusted root', () => {
    const root = x509(rootCertificates[0] as string);
    expect(PublicRoots.node().match(root)).toMatch(/^is the publicly trusted root /);
  });

  it('recognises a certificate issued by a public root (a made-up root stands in for a real one)', async () => {
    const fakePublic = await createCertificate({ subject: 'CN=Pretend Public Root', ca: true });
    const intermediate = await createCertificate({ subject: 'CN=Its CA', issuer: fakePublic, ca: true });
    const roots = new PublicRoots([fakePublic.pem]);
    expect(roots.match(x509(intermediate.pem))).toBe(
      'was issued by the publicly trusted root CN=Pretend Public Root',
    );
  });

  it('recognises a re-issued public root: same subject and key, different certificate', async () => {
    const original = await createCertificate({ subject: 'CN=Pretend Public Root', ca: true });
    const reissued = await createCertificate({
      subject: 'CN=Pretend Public Root',
      ca: true,
      keys: original.keys,
    });
    expect(reissued.pem).not.toBe(original.pem);
    expect(new PublicRoots([original.pem]).match(x509(reissued.pem))).toMatch(
      /^is the publicly trusted root/,
    );
  });

  it('does not flag a private CA, even one with a public root’s subject but another key', async () => {
    const realRoot = x509(rootCertificates[0] as string);
    const impostor = await createCertificate({ subject: realRoot.subject.split('\n').join(', '), ca: true });
    const privateCa = await createCertificate({ subject: 'CN=Private CA', ca: true });
    expect(x509(impostor.pem).subject).toBe(realRoot.subject);
    expect(PublicRoots.node().match(x509(impostor.pem))).toBeUndefined();
    expect(PublicRoots.node().match(x509(privateCa.pem))).toBeUndefined();
  });
});
