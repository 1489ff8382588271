import { CaBundle, analyzeClientCertificate } from '../../shared/certificate';
import { decide, precheck, type RegistryAnswer } from '../../lambda/proxy/decision';
import { createCertificate, createTestPki, type TestPki } from '../../stand-ins/pki';

const none: RegistryAnswer = { state: 'none' };
const entry = (kind: 'self-signed' | 'ca-signed', status: 'active' | 'revoked'): RegistryAnswer => ({
  state: 'entry',
  verdict: { kind, status },
});

describe('decide (the decision table, docs/reference.md#decision)', () => {
  it.each([
    ['self-signed', entry('self-signed', 'active'), 'any', { forward: true, caVerified: 'FAILED' }],
    [
      'self-signed',
      entry('self-signed', 'revoked'),
      'any',
      { forward: false, reason: 'self-signed-not-registered' },
    ],
    [
      'self-signed',
      entry('ca-signed', 'active'),
      'any',
      { forward: false, reason: 'self-signed-not-registered' },
    ],
    ['self-signed', none, 'any', { forward: false, reason: 'self-signed-not-registered' }],
    ['ca-signed', entry('ca-signed', 'revoked'), 'any', { forward: false, reason: 'revoked' }],
    ['ca-signed', entry('self-signed', 'revoked'), 'any', { forward: false, reason: 'revoked' }],
    ['ca-signed', none, 'any', { forward: true, caVerified: 'SUCCESS' }],
    ['ca-signed', none, 'registered', { forward: false, reason: 'ca-signed-not-registered' }],
    ['ca-signed', entry('ca-signed', 'active'), 'any', { forward: true, caVerified: 'SUCCESS' }],
    ['ca-signed', entry('ca-signed', 'active'), 'registered', { forward: true, caVerified: 'SUCCESS' }],
    ['ca-signed', { state: 'malformed' }, 'any', { forward: false, reason: 'registry-entry-malformed' }],
    ['self-signed', { state: 'malformed' }, 'any', { forward: false, reason: 'registry-entry-malformed' }],
  ] as const)('%s leaf, registry %j, policy %s → %j', (kind, answer, policy, expected) => {
    expect(decide(kind, answer, policy)).toEqual(expected);
  });
});

describe('precheck', () => {
  let pki: TestPki;
  let bundle: CaBundle;
  beforeAll(async () => {
    pki = await createTestPki('Decision');
    bundle = CaBundle.fromPem(pki.caBundlePem);
  });

  it('refuses a missing certificate', () => {
    expect(precheck(undefined, new Date())).toEqual({ reject: 'no-certificate' });
  });

  it('asks the registry about a valid CA-verified leaf by its thumbprint', () => {
    const analysis = analyzeClientCertificate(pki.leaf.pem, bundle);
    expect(precheck(analysis, new Date())).toEqual({ lookup: analysis.ok && analysis.cert.thumbprint });
  });

  it('refuses a leaf outside its validity window, before and after', () => {
    const analysis = analyzeClientCertificate(pki.leaf.pem, bundle);
    expect(precheck(analysis, new Date(Date.now() + 400 * 86400e3))).toEqual({ reject: 'outside-validity' });
    expect(precheck(analysis, new Date(Date.now() - 86400e3))).toEqual({ reject: 'outside-validity' });
  });

  it('refuses a leaf minted with a registered self-signed certificate key (not in the CA bundle)', async () => {
    const registeredSelfSigned = await createCertificate({ subject: 'CN=partner, O=Partner', ca: true });
    const minted = await createCertificate({
      subject: 'CN=Decision client, O=Decision',
      issuer: registeredSelfSigned,
    });
    expect(precheck(analyzeClientCertificate(minted.pem, bundle), new Date())).toEqual({
      reject: 'not-issued-by-trusted-ca',
    });
  });

  it('refuses a leaf whose issuing CA in the bundle has expired', async () => {
    const now = Date.now();
    const oldCa = await createCertificate({
      subject: 'CN=Old CA',
      ca: true,
      notBefore: new Date(now - 20 * 86400e3),
      notAfter: new Date(now - 86400e3),
    });
    const leaf = await createCertificate({ subject: 'CN=old leaf', issuer: oldCa });
    const analysis = analyzeClientCertificate(leaf.pem, CaBundle.fromPem(oldCa.pem));
    expect(precheck(analysis, new Date(now))).toEqual({ reject: 'not-issued-by-trusted-ca' });
  });

  it('passes unparsable and oversized certificates through as rejections', () => {
    expect(precheck({ ok: false, reason: 'unparsable' }, new Date())).toEqual({ reject: 'unparsable' });
    expect(precheck({ ok: false, reason: 'header-too-large' }, new Date())).toEqual({
      reject: 'header-too-large',
    });
  });
});
