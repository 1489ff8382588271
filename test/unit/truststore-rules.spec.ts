/**
 * Each truststore rule on its own, against a context built from a real file (the end-to-end behaviour
 * of `checkTruststore`, finding order and messages included, is in truststore.spec.ts).
 */
import { X509Certificate } from 'node:crypto';
import { checkTruststore, truststoreContext, type TruststoreOptions } from '../../shared/truststore';
import {
  CERTIFICATE_RULES,
  EXPIRY_WARNING_DAYS,
  FILE_RULES,
  MAX_TRUSTSTORE_BYTES,
  duplicateSubject,
  empty,
  expired,
  expiringSoon,
  issuerNotCa,
  missingIssuer,
  notACa,
  notYetValid,
  publicCa,
  publicCaAllowed,
  strayBlock,
  tooLarge,
  unparsableCertificate,
  weakKey,
  weakSignature,
  type CertificateRule,
  type TruststoreContext,
} from '../../shared/truststore-rules';
import {
  createCaChain,
  createCertificate,
  createTestPki,
  type IssuedCertificate,
  type TestPki,
} from '../../stand-ins/pki';

const DAY = 86_400_000;
const inDays = (days: number): Date => new Date(Date.now() + days * DAY);

let pki: TestPki;
let client: IssuedCertificate;

beforeAll(async () => {
  pki = await createTestPki('Rules');
  client = await createCertificate({ subject: 'CN=rules client', notAfter: inDays(365) });
});

/** The rule's answer for each certificate of the file, in file order. */
function answers(rule: CertificateRule, text: string, options?: TruststoreOptions): (string | undefined)[] {
  const context = truststoreContext(text, options);
  return context.entries.map((entry) => rule.check(entry, context));
}

/** Which certificates (1-based positions) the rule reports. */
function reported(rule: CertificateRule, text: string, options?: TruststoreOptions): number[] {
  return answers(rule, text, options).flatMap((message, i) => (message === undefined ? [] : [i + 1]));
}

describe('the rule lists', () => {
  it('cover every finding code of checkTruststore (no-ca is assembleTruststore’s own)', () => {
    const codes = new Set([...FILE_RULES, ...CERTIFICATE_RULES].map((rule) => rule.code));
    expect([...codes].sort()).toEqual(
      [
        'duplicate-subject',
        'empty',
        'expired',
        'expiring-soon',
        'issuer-not-ca',
        'missing-issuer',
        'not-a-ca',
        'not-yet-valid',
        'public-ca',
        'too-large',
        'unparsable',
        'weak-key',
        'weak-signature',
      ].sort(),
    );
  });

  it('a clean file (CA chain plus a CA:FALSE self-signed client) trips no rule', () => {
    const context = truststoreContext(pki.caBundlePem + client.pem);
    expect(FILE_RULES.flatMap((rule) => rule.check(context))).toEqual([]);
    for (const entry of context.entries) {
      expect(CERTIFICATE_RULES.map((rule) => rule.check(entry, context))).toEqual(
        CERTIFICATE_RULES.map(() => undefined),
      );
    }
  });
});

describe('file rules', () => {
  it('tooLarge: 1,000,000 bytes or more, whatever they hold', () => {
    const padded = client.pem + ' '.repeat(MAX_TRUSTSTORE_BYTES - client.pem.length);
    expect(tooLarge.check(truststoreContext(padded))).toEqual([
      `the truststore is ${MAX_TRUSTSTORE_BYTES} bytes; API Gateway accepts less than ${MAX_TRUSTSTORE_BYTES}`,
    ]);
    expect(tooLarge.check(truststoreContext(padded.slice(1)))).toEqual([]);
  });

  it('strayBlock: a private key, and a certificate without its END line', () => {
    const cut = client.pem.slice(0, client.pem.indexOf('-----END'));
    expect(strayBlock.check(truststoreContext(pki.caBundlePem + pki.root.keyPem + cut))).toEqual([
      'a PRIVATE KEY block is not a certificate',
      '1 CERTIFICATE block(s) without an END line',
    ]);
  });

  it('unparsableCertificate: a complete block that is not a certificate, by position', () => {
    const junk = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const messages = unparsableCertificate.check(truststoreContext(client.pem + junk));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^certificate #2: not a parsable X.509 certificate/);
  });

  it('empty: nothing at all, but not a file whose only block failed to parse', () => {
    expect(empty.check(truststoreContext('\n'))).toEqual(['the truststore holds no certificate']);
    const junk = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(empty.check(truststoreContext(junk))).toEqual([]);
  });
});

describe('certificate rules', () => {
  it('notACa: the leaf only', () => {
    expect(reported(notACa, pki.caBundlePem + pki.leaf.pem + client.pem)).toEqual([3]);
  });

  it('issuerNotCa: the CA:FALSE signer only, counting what it signed', async () => {
    const notCa = await createCertificate({ subject: 'CN=not a CA', notAfter: inDays(365) });
    const children = await Promise.all(
      ['CN=child 1', 'CN=child 2'].map((subject) =>
        createCertificate({ subject, issuer: notCa, ca: true, notAfter: inDays(300) }),
      ),
    );
    const text = notCa.pem + children.map((c) => c.pem).join('');
    expect(reported(issuerNotCa, text)).toEqual([1]);
    expect(answers(issuerNotCa, text)[0]).toContain('issued certificate #2 (and 1 more) but is not CA:TRUE');
  });

  describe('publicCa and publicCaAllowed', () => {
    let publicRoots: string[];
    let text: string;

    beforeAll(async () => {
      const [fakePublic, issuing] = await createCaChain(['CN=Pretend Public', 'CN=Public Issuing']);
      publicRoots = [fakePublic.pem];
      text = pki.caBundlePem + issuing.pem;
    });

    it('an error by default, for the certificate issued by a public root only', () => {
      expect(reported(publicCa, text, { publicRoots })).toEqual([3]);
      expect(reported(publicCaAllowed, text, { publicRoots })).toEqual([]);
    });

    it('a warning instead with allowPublicCa', () => {
      expect(reported(publicCa, text, { publicRoots, allowPublicCa: true })).toEqual([]);
      expect(reported(publicCaAllowed, text, { publicRoots, allowPublicCa: true })).toEqual([3]);
    });
  });

  it('weakKey and weakSignature each report their own problem', async () => {
    const rsa1024 = await createCertificate({
      subject: 'CN=rsa1024',
      key: { type: 'rsa', bits: 1024 },
      ca: true,
      notAfter: inDays(99),
    });
    const sha1 = await createCertificate({
      subject: 'CN=sha1',
      hash: 'SHA-1',
      ca: true,
      notAfter: inDays(99),
    });
    const text = client.pem + rsa1024.pem + sha1.pem;
    expect(reported(weakKey, text)).toEqual([2]);
    expect(answers(weakKey, text)[1]).toContain(': RSA key of 1024 bits');
    expect(reported(weakSignature, text)).toEqual([3]);
    expect(answers(weakSignature, text)[2]).toContain(': signature algorithm ecdsa-with-SHA1');
  });

  it('expired, notYetValid and expiringSoon: one certificate, five moments, at most one rule each', () => {
    const cert = new X509Certificate(client.pem);
    const notBefore = new Date(cert.validFrom).getTime();
    const notAfter = new Date(cert.validTo).getTime();
    const at = (time: number): TruststoreOptions => ({ now: new Date(time) });
    const which = (time: number): string[] =>
      [expired, notYetValid, expiringSoon]
        .filter((rule) => reported(rule, client.pem, at(time)).length > 0)
        .map((rule) => rule.code);
    expect(which(notBefore - DAY)).toEqual(['not-yet-valid']);
    expect(which(notBefore + DAY)).toEqual([]);
    expect(which(notAfter - (EXPIRY_WARNING_DAYS - 1) * DAY)).toEqual(['expiring-soon']);
    expect(which(notAfter)).toEqual(['expiring-soon']);
    expect(which(notAfter + 1000)).toEqual(['expired']);
  });

  it('duplicateSubject: every later certificate of a subject, naming the first', async () => {
    const twin = await createCertificate({ subject: pki.root.subject, ca: true, notAfter: inDays(400) });
    const text = pki.caBundlePem + twin.pem + client.pem + client.pem;
    expect(reported(duplicateSubject, text)).toEqual([3, 5]);
    const messages = answers(duplicateSubject, text);
    expect(messages[2]).toMatch(/same subject DN as certificate #1$/);
    expect(messages[4]).toMatch(/same subject DN as certificate #4 \(it is the same certificate\)$/);
  });

  it('missingIssuer: a CA-signed certificate whose issuer is not in the file', () => {
    expect(reported(missingIssuer, pki.intermediate.pem + client.pem)).toEqual([1]);
    expect(reported(missingIssuer, pki.root.pem + pki.intermediate.pem)).toEqual([]);
  });
});

describe('truststoreContext', () => {
  it('knows who signed whom in the file, a CA:FALSE signer included', async () => {
    const notCa = await createCertificate({ subject: 'CN=signer', notAfter: inDays(365) });
    const child = await createCertificate({ subject: 'CN=signed', issuer: notCa, notAfter: inDays(300) });
    const context: TruststoreContext = truststoreContext(pki.caBundlePem + notCa.pem + child.pem);
    const [root, intermediate, signer, signedChild] = context.entries;
    expect(context.issuersOf(intermediate!)).toEqual([root]);
    expect(context.issuedBy(root!)).toEqual([intermediate]);
    expect(context.issuersOf(root!)).toEqual([]);
    expect(context.issuedBy(signer!)).toEqual([signedChild]);
  });

  it('traces public trust down a chain in the file', async () => {
    const [fakePublic, issuing, sub] = await createCaChain([
      'CN=Public Root',
      'CN=Public Issuing 2',
      'CN=Sub 2',
    ]);
    const context = truststoreContext(issuing.pem + sub.pem + client.pem, { publicRoots: [fakePublic.pem] });
    expect(context.entries.map((entry) => context.publicReason(entry))).toEqual([
      'was issued by the publicly trusted root CN=Public Root',
      'chains to a publicly trusted root through certificate #1',
      undefined,
    ]);
  });

  it('verifies each distinct signature once, however many copies the file holds', () => {
    const copies = 200;
    const text = (pki.root.pem + pki.intermediate.pem).repeat(copies);
    const verify = jest.spyOn(X509Certificate.prototype, 'verify');
    try {
      const result = checkTruststore(text, { publicRoots: [] });
      expect(result.certificates).toBe(2 * copies);
      // Self-signed detection of the two distinct blocks, and the one root → intermediate signature:
      // not one per copy, nor one per pair of copies (40,000).
      expect(verify.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      verify.mockRestore();
    }
  });
});
