/**
 * Verifying a chain the client presented (the ALB front door passes it on unverified): the path the
 * edge accepts, from the leaf through presented intermediates to a CA of the bundle, and everything it
 * must refuse. Real certificates made here; the bundle holds the root only unless a case says otherwise.
 */
import {
  CaBundle,
  MAX_CHAIN_DEPTH,
  analyzeClientCertificate,
  inspectCertificate,
  pathLengthConstraint,
  type ClientCertificateAnalysis,
} from '../../shared/certificate';
import { precheck } from '../../lambda/proxy/decision';
import { createCertificate, type IssuedCertificate } from '../../stand-ins/pki';

const DAY = 24 * 3600_000;

let root: IssuedCertificate;
let issuing: IssuedCertificate; // root → issuing (CA)
let team: IssuedCertificate; // issuing → team (CA)
let leaf: IssuedCertificate; // issued by `issuing`
let teamLeaf: IssuedCertificate; // issued by `team`
let bundle: CaBundle;

beforeAll(async () => {
  root = await createCertificate({ subject: 'CN=Chain Root, O=Chain', ca: true });
  issuing = await createCertificate({ subject: 'CN=Chain Issuing, O=Chain', ca: true, issuer: root });
  team = await createCertificate({ subject: 'CN=Chain Team, O=Chain', ca: true, issuer: issuing });
  leaf = await createCertificate({ subject: 'CN=chain client, O=Chain', issuer: issuing });
  teamLeaf = await createCertificate({ subject: 'CN=team client, O=Chain', issuer: team });
  bundle = CaBundle.fromPem(root.pem);
});

type CaSigned = Extract<ClientCertificateAnalysis, { kind: 'ca-signed' }>;

function caSigned(analysis: ClientCertificateAnalysis): CaSigned {
  if (!analysis.ok || analysis.kind !== 'ca-signed')
    throw new Error(`not a CA-signed analysis: ${JSON.stringify(analysis)}`);
  return analysis;
}

function subjects(analysis: CaSigned): string[] {
  return [...analysis.through, ...(analysis.verifiedBy ? [analysis.verifiedBy] : [])].map((c) => c.subject);
}

describe('a path through presented intermediates', () => {
  it('one presented intermediate issued by a bundle root: verified, through that intermediate', () => {
    const analysis = caSigned(analyzeClientCertificate(leaf.pem, bundle, [issuing.pem]));
    expect(subjects(analysis)).toEqual(['CN=Chain Issuing, O=Chain', 'CN=Chain Root, O=Chain']);
    expect(precheck(analysis, new Date())).toEqual({ lookup: analysis.cert.thumbprint });
  });

  it('the same leaf without its intermediate is not verified (the bundle holds only the root)', () => {
    const analysis = caSigned(analyzeClientCertificate(leaf.pem, bundle, []));
    expect(analysis.verifiedBy).toBeUndefined();
    expect(precheck(analysis, new Date())).toEqual({ reject: 'not-issued-by-trusted-ca' });
  });

  it('two intermediates, in any order the client sends them, up to the root: verified (depth 4)', () => {
    for (const presented of [
      [team.pem, issuing.pem],
      [issuing.pem, team.pem],
    ]) {
      const analysis = caSigned(analyzeClientCertificate(teamLeaf.pem, bundle, presented));
      expect(subjects(analysis)).toEqual([
        'CN=Chain Team, O=Chain',
        'CN=Chain Issuing, O=Chain',
        'CN=Chain Root, O=Chain',
      ]);
    }
  });

  it('the root sent along changes nothing: trust starts at the bundle, the shortest path wins', () => {
    const analysis = caSigned(analyzeClientCertificate(leaf.pem, bundle, [issuing.pem, root.pem]));
    expect(subjects(analysis)).toEqual(['CN=Chain Issuing, O=Chain', 'CN=Chain Root, O=Chain']);
  });

  it('an intermediate of the bundle itself is the end of the path: nothing presented is needed', () => {
    const withIssuing = CaBundle.fromPem(root.pem + issuing.pem);
    const analysis = caSigned(analyzeClientCertificate(leaf.pem, withIssuing, [issuing.pem]));
    expect(analysis.through).toEqual([]);
    expect(analysis.verifiedBy?.subject).toBe('CN=Chain Issuing, O=Chain');
  });

  it(`a path longer than ${MAX_CHAIN_DEPTH} certificates is not verified`, async () => {
    const deep = await createCertificate({ subject: 'CN=Chain Deep, O=Chain', ca: true, issuer: team });
    const deepLeaf = await createCertificate({ subject: 'CN=deep client, O=Chain', issuer: deep });
    const analysis = caSigned(
      analyzeClientCertificate(deepLeaf.pem, bundle, [deep.pem, team.pem, issuing.pem]),
    );
    expect(analysis.verifiedBy).toBeUndefined();
    // One CA closer to the bundle, the same chain is within the depth.
    const nearer = caSigned(
      analyzeClientCertificate(deepLeaf.pem, CaBundle.fromPem(root.pem + issuing.pem), [deep.pem, team.pem]),
    );
    expect(nearer.verifiedBy?.subject).toBe('CN=Chain Issuing, O=Chain');
  });

  it(`more than ${MAX_CHAIN_DEPTH} certificates presented are refused before any is parsed`, () => {
    const many = Array.from({ length: MAX_CHAIN_DEPTH }, () => issuing.pem);
    expect(analyzeClientCertificate(leaf.pem, bundle, many)).toEqual({ ok: false, reason: 'chain-too-long' });
  });

  it('a presented certificate that does not parse refuses the whole chain', () => {
    const junk = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(analyzeClientCertificate(leaf.pem, bundle, [issuing.pem, junk])).toMatchObject({
      ok: false,
      reason: 'unparsable',
    });
  });

  it('a self-signed leaf stays self-signed whatever comes with it: the registry decides', () => {
    const self = analyzeClientCertificate(root.pem, bundle, [issuing.pem]);
    expect(self).toMatchObject({ ok: true, kind: 'self-signed' });
  });
});

describe('basicConstraints pathLenConstraint on the path (RFC 5280 §4.2.1.9)', () => {
  /** root → mid (pathlen n) → sub → leaf: `mid` has one CA (sub) below it. */
  async function chainThrough(pathLength: number) {
    const mid = await createCertificate({
      subject: `CN=Mid ${pathLength}, O=Len`,
      ca: true,
      issuer: root,
      pathLength,
    });
    const sub = await createCertificate({ subject: `CN=Sub ${pathLength}, O=Len`, ca: true, issuer: mid });
    const end = await createCertificate({ subject: `CN=len client ${pathLength}, O=Len`, issuer: sub });
    return { mid, sub, end };
  }

  it('reads the constraint from the DER, and none when the certificate sets none', async () => {
    const { mid } = await chainThrough(0);
    expect(pathLengthConstraint(inspectCertificate(mid.pem))).toBe(0);
    expect(pathLengthConstraint(inspectCertificate(root.pem))).toBeUndefined();
    expect(pathLengthConstraint(inspectCertificate(leaf.pem))).toBeUndefined();
  });

  it('a presented intermediate with pathlen:0 that issued another CA: not verified (OpenSSL refuses it too)', async () => {
    const { mid, sub, end } = await chainThrough(0);
    const analysis = caSigned(analyzeClientCertificate(end.pem, bundle, [sub.pem, mid.pem]));
    expect(analysis.verifiedBy).toBeUndefined();
    expect(precheck(analysis, new Date())).toEqual({ reject: 'not-issued-by-trusted-ca' });
  });

  it('with pathlen:1 the same path is verified', async () => {
    const { mid, sub, end } = await chainThrough(1);
    const analysis = caSigned(analyzeClientCertificate(end.pem, bundle, [sub.pem, mid.pem]));
    expect(subjects(analysis)).toEqual(['CN=Sub 1, O=Len', 'CN=Mid 1, O=Len', 'CN=Chain Root, O=Chain']);
  });

  it('the constraint of a bundle certificate counts too, up to its root in the bundle', async () => {
    const { mid, sub, end } = await chainThrough(0);
    // mid is trusted (in the bundle) but still allows no CA below it: the presented sub breaks it.
    const withMid = CaBundle.fromPem(root.pem + mid.pem);
    expect(caSigned(analyzeClientCertificate(end.pem, withMid, [sub.pem])).verifiedBy).toBeUndefined();
    // A leaf mid issued directly is fine.
    const direct = await createCertificate({ subject: 'CN=direct client, O=Len', issuer: mid });
    expect(caSigned(analyzeClientCertificate(direct.pem, withMid, [])).verifiedBy?.subject).toBe(
      'CN=Mid 0, O=Len',
    );
  });
});

describe('what a presented chain can never do', () => {
  it('pass a leaf off through a self-signed CA:TRUE certificate (e.g. a registered one) it presents', async () => {
    const registered = await createCertificate({ subject: 'CN=Partner root, O=Partner', ca: true });
    const minted = await createCertificate({ subject: 'CN=chain client, O=Chain', issuer: registered });
    expect(
      caSigned(analyzeClientCertificate(minted.pem, bundle, [registered.pem])).verifiedBy,
    ).toBeUndefined();
  });

  it('pass a leaf off through an intermediate that a self-signed key issued', async () => {
    const registered = await createCertificate({ subject: 'CN=Partner root, O=Partner', ca: true });
    const sub = await createCertificate({
      subject: 'CN=Partner sub, O=Partner',
      ca: true,
      issuer: registered,
    });
    const minted = await createCertificate({ subject: 'CN=chain client, O=Chain', issuer: sub });
    const analysis = caSigned(analyzeClientCertificate(minted.pem, bundle, [sub.pem, registered.pem]));
    expect(analysis.verifiedBy).toBeUndefined();
  });

  it('use a look-alike of the root: same subject, another key, sent along as a root', async () => {
    const lookAlike = await createCertificate({ subject: 'CN=Chain Root, O=Chain', ca: true });
    const fakeIssuing = await createCertificate({
      subject: 'CN=Chain Issuing, O=Chain',
      ca: true,
      issuer: lookAlike,
    });
    const minted = await createCertificate({ subject: 'CN=chain client, O=Chain', issuer: fakeIssuing });
    const analysis = caSigned(analyzeClientCertificate(minted.pem, bundle, [fakeIssuing.pem, lookAlike.pem]));
    expect(analysis.verifiedBy).toBeUndefined();
  });

  it('use an intermediate with the right name and the wrong signature', async () => {
    const attacker = await createCertificate({ subject: 'CN=Attacker, O=Evil', ca: true });
    const forged = await createCertificate({
      subject: 'CN=Chain Issuing, O=Chain',
      ca: true,
      issuer: root, // names the root as issuer and carries its key identifier…
      signingKeys: attacker.keys, // …but the root never signed it
    });
    const minted = await createCertificate({ subject: 'CN=chain client, O=Chain', issuer: forged });
    expect(caSigned(analyzeClientCertificate(minted.pem, bundle, [forged.pem])).verifiedBy).toBeUndefined();
  });

  it('use a CA:FALSE certificate of the bundle root as an intermediate (even one without keyUsage)', async () => {
    const notCa = await createCertificate({
      subject: 'CN=Chain Not A CA, O=Chain',
      issuer: root,
      noKeyUsage: true,
    });
    const minted = await createCertificate({ subject: 'CN=chain client, O=Chain', issuer: notCa });
    expect(caSigned(analyzeClientCertificate(minted.pem, bundle, [notCa.pem])).verifiedBy).toBeUndefined();
  });

  it('use an intermediate that chains to a CA outside the bundle', async () => {
    const otherRoot = await createCertificate({ subject: 'CN=Other Root, O=Other', ca: true });
    const otherIssuing = await createCertificate({
      subject: 'CN=Other Issuing, O=Other',
      ca: true,
      issuer: otherRoot,
    });
    const minted = await createCertificate({ subject: 'CN=chain client, O=Chain', issuer: otherIssuing });
    const analysis = caSigned(
      analyzeClientCertificate(minted.pem, bundle, [otherIssuing.pem, otherRoot.pem]),
    );
    expect(analysis.verifiedBy).toBeUndefined();
  });
});

describe('the validity of every certificate on the path (precheck)', () => {
  it.each([
    ['expired', { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) }],
    ['not yet valid', { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 10 * DAY) }],
  ])('an %s presented intermediate refuses the leaf', async (_label, window) => {
    const stale = await createCertificate({
      subject: 'CN=Chain Stale, O=Chain',
      ca: true,
      issuer: root,
      ...window,
    });
    const client = await createCertificate({ subject: 'CN=stale client, O=Chain', issuer: stale });
    const analysis = caSigned(analyzeClientCertificate(client.pem, bundle, [stale.pem]));
    expect(analysis.verifiedBy?.subject).toBe('CN=Chain Root, O=Chain');
    expect(precheck(analysis, new Date())).toEqual({ reject: 'not-issued-by-trusted-ca' });
  });
});
