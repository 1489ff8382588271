/**
 * The certificate rules, in one place: parsing, the RFC 8705 thumbprint, the certificate's kind
 * (self-signed or CA-signed), who signed whom, the subject index, CA-bundle verification (of a leaf, or
 * of a chain the client presented), the validity window and the `client-certificate` header encoding.
 *
 * Imported by the proxy Lambda (hot path), the admin CLI, the truststore builder and the local edge.
 * Only `node:crypto` here: this module is bundled into the proxy and runs on every request.
 * Rules that need an ASN.1 parser (signature algorithm, key policy) live in `certificate-policy.ts`.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { errorMessage } from './errors';

/** Auth0 accepts at most this many bytes in the `client-certificate` header. */
export const MAX_CLIENT_CERTIFICATE_HEADER_BYTES = 4096;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The two kinds of client certificate (the registry's `kind`): see {@link kindOf}. */
export const CERTIFICATE_KINDS = ['self-signed', 'ca-signed'] as const;
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];

export function isCertificateKind(value: unknown): value is CertificateKind {
  return CERTIFICATE_KINDS.some((kind) => kind === value);
}

export class CertificateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateParseError';
  }
}

/** A parsed certificate with everything the rules need, computed once. */
export interface InspectedCertificate {
  readonly x509: X509Certificate;
  /** DER bytes. */
  readonly der: Buffer;
  /** Canonical PEM: base64 DER in 64-character lines, every line ending in `\n` (what OpenSSL writes). */
  readonly pem: string;
  /** RFC 8705 `x5t#S256`: base64url (no padding) of SHA-256 over the DER. */
  readonly thumbprint: string;
  /** Subject DN, one `KEY=value` per RDN in certificate order, joined with `, `. */
  readonly subject: string;
  /** Issuer DN in the same form. */
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** True when the certificate's own public key verifies its signature. */
  readonly selfSigned: boolean;
  /** True when basicConstraints says `CA:TRUE`. */
  readonly isCa: boolean;
}

/** Base64url (no padding) SHA-256 over DER: the RFC 8705 `x5t#S256` and the registry key. */
export function thumbprintOf(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * Accepts a thumbprint as `x5t#S256` (base64url, 43 characters) or as a hex SHA-256 fingerprint
 * (64 hex digits, colons allowed, as `openssl x509 -fingerprint -sha256` prints it) and returns
 * the `x5t#S256` form, or undefined when it is neither.
 *
 * Auth0's `thumbprint_sha256` on `x509_cert` credentials is read through here too. Its reference only says
 * "the X509 certificate's SHA256 thumbprint"; the responses of a real tenant recorded by Auth0's Go SDK
 * (auth0/go-auth0 `test/data/recordings/TestClient_CreateAllCredential/
 * Should_create_SelfSignedTLSClientAuth_Credential.yaml`) carry `NTkulT-DcSrRSevqZd26aq0DCz8YbOFGjKVs-Expu4w`
 * for the PEM sent, which is exactly this function's `x5t#S256` of that certificate (test/unit/certificate).
 * Hex, should Auth0 ever answer in hex, lands on the same value.
 */
export function normalizeThumbprint(input: string): string | undefined {
  const trimmed = input.trim();
  if (/^[A-Za-z0-9_-]{43}$/.test(trimmed)) return trimmed;
  const hex = trimmed.replace(/^sha256\s*fingerprint\s*=\s*/i, '').replace(/:/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex, 'hex').toString('base64url');
  return undefined;
}

/** Node prints DNs one RDN per line; we show them on one line. */
export function formatDn(nodeDn: string): string {
  return nodeDn.split('\n').join(', ');
}

/**
 * The one form in which subject DNs are compared: RDNs in certificate order, one per line, as Node's
 * `X509Certificate.subject` prints them (values RFC 2253-escaped, so a separator is never escaped).
 * Accepts that form, Auth0's `subject_dn` (the same lines: `C=JP\nST=Tokyo\n…\nCN=client.example.org` in the
 * recorded responses of auth0/go-auth0 `test/data/recordings/TestClient_CreateAllCredential/
 * Should_create_TLSClientAuth_Credential.yaml`) and the registry's one-line {@link formatDn} form
 * (`C=JP, ST=Tokyo, …`), with any whitespace around separators. Order and letter case are kept: Auth0 matches
 * the DN it stores against the presented certificate's, so a reordered or re-cased DN is a real difference.
 */
export function canonicalDn(dn: string): string {
  const rdns: string[] = [];
  let current = '';
  // Whitespace around an RDN goes; an escaped one (`CN=x\ `) stays.
  const push = (): void => {
    rdns.push(current.replace(/^\s+/, '').replace(/(?<!\\)\s+$/, ''));
    current = '';
  };
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i] as string;
    if (c === '\\' && i + 1 < dn.length) current += c + (dn[++i] as string);
    else if (c === '\n' || c === '\r' || c === ',') push();
    else current += c;
  }
  push();
  return rdns.filter((rdn) => rdn !== '').join('\n');
}

/** Node 20 prints validity as `Aug  5 09:36:04 2021 GMT` (the format API Gateway uses too). */
export function parseCertificateDate(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new CertificateParseError(`unreadable certificate date: ${value}`);
  return date;
}

/** Wraps an already parsed certificate. */
export function inspectX509(x509: X509Certificate): InspectedCertificate {
  const der = x509.raw;
  return {
    x509,
    der,
    pem: x509.toString(),
    thumbprint: thumbprintOf(der),
    subject: formatDn(x509.subject),
    issuer: formatDn(x509.issuer),
    notBefore: parseCertificateDate(x509.validFrom),
    notAfter: parseCertificateDate(x509.validTo),
    selfSigned: signatureVerifies(x509, x509.publicKey),
    isCa: x509.ca,
  };
}

/**
 * Parses one certificate from PEM (the first block) or DER.
 * @throws CertificateParseError when the input is not a certificate.
 */
export function inspectCertificate(input: string | Uint8Array): InspectedCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(typeof input === 'string' ? input : Buffer.from(input));
  } catch (error) {
    throw new CertificateParseError(`not a parsable X.509 certificate (${errorMessage(error)})`);
  }
  return inspectX509(x509);
}

/** The PEM blocks of a bundle, in order; text outside the blocks is ignored. */
export function splitPemBlocks(text: string): string[] {
  return text.match(PEM_BLOCK) ?? [];
}

/**
 * The `client-certificate` header value: the canonical PEM URL-component encoded. Byte-identical to
 * nginx's `$ssl_client_escaped_cert`, which escapes every byte except `A-Z a-z 0-9 - . _ ~`: a PEM
 * holds only base64 characters, `-`, space and newline, none of which `encodeURIComponent` treats
 * differently from nginx.
 */
export function encodeClientCertificateHeader(canonicalPem: string): string {
  return encodeURIComponent(canonicalPem);
}

/** Whether the encoded header fits Auth0's limit (the header is ASCII, so length = bytes). */
export function headerFits(encodedHeader: string): boolean {
  return encodedHeader.length <= MAX_CLIENT_CERTIFICATE_HEADER_BYTES;
}

/** The certificate's validity window contains `now`. */
export function isWithinValidity(
  cert: Pick<InspectedCertificate, 'notBefore' | 'notAfter'>,
  now: Date,
): boolean {
  const t = now.getTime();
  return cert.notBefore.getTime() <= t && t <= cert.notAfter.getTime();
}

/**
 * The certificate's kind, as the registry records it and the edge treats it: `self-signed` when its own
 * key verifies its signature, else `ca-signed`. The one place that says so.
 */
export function kindOf(cert: Pick<InspectedCertificate, 'selfSigned'>): CertificateKind {
  return cert.selfSigned ? 'self-signed' : 'ca-signed';
}

/*
 * Who signed whom, in one place. A certificate is self-signed when its own key verifies its signature;
 * another certificate signed it in one of two strengths, named for what each answers:
 *   - `issued` (strict, for trust): the issuer was entitled to sign it and did.
 *   - `signed` (loose, for finding mistakes): the issuer's key signed it, entitled or not.
 * Trust decisions (the CA bundle, the public roots) use `issued`; only the truststore checks use
 * `signed`, to find the certificates that `issued` would hide. Add a strength here, never elsewhere.
 */

/** `key` verifies `cert`'s signature; a key of another type or a malformed signature answers false. */
function signatureVerifies(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.verify(key);
  } catch {
    return false;
  }
}

/**
 * Strict: `issuer` issued `cert`. OpenSSL's issuer check (`X509_check_issued`: the issuer name, the
 * authority/subject key identifiers, keyUsage `keyCertSign` when present) passes and the signature
 * verifies. Whether `issuer` is `CA:TRUE` is the caller's question (`CaBundle.issuerOf` asks it).
 */
export function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && signatureVerifies(cert, issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Loose: `issuer`'s key signed `cert` and `cert` names `issuer` as its issuer, whatever the key
 * identifiers and keyUsage say. A `CA:FALSE` certificate without `keyCertSign` that signed another one
 * is found here and not by {@link issued}: the truststore checks must find it to refuse it
 * (`issuer-not-ca`). Never a reason to trust anything.
 */
export function signed(issuer: X509Certificate, cert: X509Certificate): boolean {
  return cert.issuer === issuer.subject && signatureVerifies(cert, issuer.publicKey);
}

/**
 * Certificates by subject DN, each DN's list in the order added. Keyed by Node's DN text
 * (`x509.subject`, the form `x509.issuer` has too), so the certificates that may have signed one are a
 * single lookup of its issuer name. Node escapes separators inside values (`CN=a\, O=b`), so two
 * different DNs never share a key.
 */
export class SubjectIndex<T> {
  private readonly lists = new Map<string, T[]>();

  /** @param x509Of how to reach an item's certificate */
  constructor(
    private readonly x509Of: (item: T) => X509Certificate,
    items: Iterable<T> = [],
  ) {
    for (const item of items) this.add(item);
  }

  add(item: T): void {
    const subject = this.x509Of(item).subject;
    const list = this.lists.get(subject);
    if (list) list.push(item);
    else this.lists.set(subject, [item]);
  }

  /** The items whose subject DN is `dn` (Node's form), first added first. */
  withSubject(dn: string): readonly T[] {
    return this.lists.get(dn) ?? [];
  }

  /** The items `cert` names as its issuer: the only candidates for having signed it. */
  namedAsIssuerOf(cert: X509Certificate): readonly T[] {
    return this.withSubject(cert.issuer);
  }
}

/**
 * The most certificates a verified path may hold, from the leaf to the bundle certificate, both
 * included: API Gateway's truststore limit ("at most 4 deep"), so both front doors accept the same
 * depth. With a root in the bundle, a client may present at most two intermediates.
 */
export const MAX_CHAIN_DEPTH = 4;

/**
 * The trusted client CAs (`CA_BUNDLE_FILE`): roots and intermediates. A leaf is CA-verified only if a
 * `CA:TRUE` certificate of this bundle, whose subject is the leaf's issuer, verifiably signed it, or
 * (a front door that passes the client's chain on unverified: the ALB) a path of intermediates the
 * client presented leads there, each link issued by the next (see {@link CaBundle.pathFrom}).
 */
export class CaBundle {
  private readonly bySubject: SubjectIndex<InspectedCertificate>;

  private constructor(readonly certificates: readonly InspectedCertificate[]) {
    this.bySubject = new SubjectIndex((ca) => ca.x509, certificates);
  }

  /**
   * @throws CertificateParseError when the text holds no certificate or a block does not parse.
   */
  static fromPem(text: string): CaBundle {
    const blocks = splitPemBlocks(text);
    if (blocks.length === 0) throw new CertificateParseError('the CA bundle holds no PEM certificate');
    return new CaBundle(
      blocks.map((block, index) => {
        try {
          return inspectCertificate(block);
        } catch (error) {
          throw new CertificateParseError(`CA bundle certificate #${index + 1}: ${errorMessage(error)}`);
        }
      }),
    );
  }

  /** The bundle certificate that issued `leaf`, if any (CA:TRUE, issuer name, signature). */
  issuerOf(leaf: X509Certificate): InspectedCertificate | undefined {
    for (const candidate of this.bySubject.namedAsIssuerOf(leaf)) {
      if (candidate.isCa && issued(candidate.x509, leaf)) return candidate;
    }
    return undefined;
  }

  /**
   * The path from `leaf` to this bundle through certificates the client presented, as nginx builds it
   * with `ssl_verify_depth` (OpenSSL's chain building, without its time checks: those are the caller's,
   * see `precheck`): the presented intermediates in order from the leaf up, then the bundle certificate
   * that issued the last of them. Each link is the strict {@link issued} rule; a presented certificate
   * is a link only if it is `CA:TRUE` and not self-signed, so a root (or a registered self-signed
   * certificate) the client sends is never trusted for being sent: trust starts at the bundle. At most
   * {@link MAX_CHAIN_DEPTH} certificates, leaf and bundle certificate included; the shortest path wins
   * (the bundle is asked first at every step). Undefined when there is none.
   */
  pathFrom(
    leaf: InspectedCertificate,
    presented: readonly InspectedCertificate[],
  ):
    { readonly through: readonly InspectedCertificate[]; readonly anchor: InspectedCertificate } | undefined {
    const links = new SubjectIndex(
      (cert: InspectedCertificate) => cert.x509,
      presented.filter((cert) => cert.isCa && !cert.selfSigned),
    );
    const walk = (
      cert: InspectedCertificate,
      through: readonly InspectedCertificate[],
    ): { through: readonly InspectedCertificate[]; anchor: InspectedCertificate } | undefined => {
      const anchor = this.issuerOf(cert.x509);
      if (anchor && this.allowsPath(through, anchor)) return { through, anchor };
      // leaf + the links so far + one more link + the bundle certificate must fit.
      if (through.length + 3 > MAX_CHAIN_DEPTH) return undefined;
      for (const link of links.namedAsIssuerOf(cert.x509)) {
        if (link === leaf || through.includes(link) || !issued(link.x509, cert.x509)) continue;
        const found = walk(link, [...through, link]);
        if (found) return found;
      }
      return undefined;
    };
    return walk(leaf, []);
  }

  /**
   * Whether every CA on the path allows the intermediates below it (basicConstraints
   * `pathLenConstraint`): each presented link, the bundle certificate that anchors them, and that
   * certificate's own issuers in the bundle up to a self-signed root, as OpenSSL checks a whole chain.
   */
  private allowsPath(through: readonly InspectedCertificate[], anchor: InspectedCertificate): boolean {
    if (!through.every((link, i) => allowsBelow(link, i))) return false;
    let below = through.length;
    for (let ca: InspectedCertificate | undefined = anchor; ca; below++) {
      if (!allowsBelow(ca, below)) return false;
      if (ca.selfSigned || below > MAX_CHAIN_DEPTH) break;
      ca = this.issuerOf(ca.x509);
    }
    return true;
  }
}

/** One DER element: its tag, where it begins (its tag byte), and where its contents start and end. */
interface DerElement {
  readonly tag: number;
  readonly at: number;
  readonly start: number;
  readonly end: number;
}

/** @throws RangeError when the bytes are not DER (never for a certificate Node has parsed) */
function derElementAt(der: Uint8Array, at: number, limit: number): DerElement {
  if (at + 1 >= limit) throw new RangeError('DER element runs past its parent');
  const tag = der[at]!;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4 || start + octets > limit) throw new RangeError('unsupported DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i]!;
    start += octets;
  }
  const end = start + length;
  if (end > limit) throw new RangeError('DER element runs past its parent');
  return { tag, at, start, end };
}

function derChildren(der: Uint8Array, parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let at = parent.start; at < parent.end; at = children.at(-1)!.end) {
    children.push(derElementAt(der, at, parent.end));
  }
  return children;
}

/**
 * A certificate's tbsCertificate and signatureAlgorithm (RFC 5280 §4.1), each as DER with its tag and
 * length, as views of `der`: found without parsing anything inside them.
 * @throws RangeError when the bytes are not a DER certificate
 */
export function certificateParts(der: Uint8Array): {
  readonly tbsCertificate: Uint8Array;
  readonly signatureAlgorithm: Uint8Array;
} {
  const [tbs, algorithm] = derChildren(der, derElementAt(der, 0, der.length));
  if (tbs?.tag !== 0x30 || algorithm?.tag !== 0x30) {
    throw new RangeError('not a certificate: no tbsCertificate and signatureAlgorithm SEQUENCEs');
  }
  return {
    tbsCertificate: der.subarray(tbs.at, tbs.end),
    signatureAlgorithm: der.subarray(algorithm.at, algorithm.end),
  };
}

const BASIC_CONSTRAINTS_OID = [0x55, 0x1d, 0x13]; // 2.5.29.19
const pathLengths = new WeakMap<InspectedCertificate, number | null>();

/**
 * The basicConstraints `pathLenConstraint` of a CA certificate (RFC 5280 §4.2.1.9): how many
 * intermediate CA certificates may follow it on a path to the leaf; undefined when it sets none. Read
 * from the DER (Node's X509Certificate does not expose it; the proxy stays `node:crypto` only).
 */
export function pathLengthConstraint(cert: InspectedCertificate): number | undefined {
  let known = pathLengths.get(cert);
  if (known === undefined) {
    known = null;
    const der = cert.der;
    const certificate = derElementAt(der, 0, der.length);
    const tbs = derChildren(der, certificate)[0]!;
    const extensions = derChildren(der, tbs).find((element) => element.tag === 0xa3);
    const list = extensions ? derChildren(der, extensions)[0] : undefined;
    for (const extension of list ? derChildren(der, list) : []) {
      const [oid, ...rest] = derChildren(der, extension);
      const isBasicConstraints =
        oid !== undefined &&
        oid.end - oid.start === BASIC_CONSTRAINTS_OID.length &&
        BASIC_CONSTRAINTS_OID.every((byte, i) => der[oid.start + i] === byte);
      const value = rest.find((element) => element.tag === 0x04); // extnValue OCTET STRING
      if (!isBasicConstraints || !value) continue;
      const constraints = derElementAt(der, value.start, value.end);
      const integer = derChildren(der, constraints).find((element) => element.tag === 0x02);
      if (integer) {
        let n = 0;
        for (let i = integer.start; i < integer.end; i++) n = n * 256 + der[i]!;
        known = n;
      }
    }
    pathLengths.set(cert, known);
  }
  return known ?? undefined;
}

/** Whether `cert` allows `below` intermediate CA certificates between it and the leaf. */
function allowsBelow(cert: InspectedCertificate, below: number): boolean {
  const limit = pathLengthConstraint(cert);
  return limit === undefined || below <= limit;
}

/** What the edge makes of a client certificate, independent of time and registry (so it may be memoized). */
export type ClientCertificateAnalysis =
  | {
      readonly ok: false;
      readonly reason: 'unparsable' | 'header-too-large' | 'chain-too-long';
      readonly thumbprint?: string;
    }
  | {
      readonly ok: true;
      readonly cert: InspectedCertificate;
      readonly kind: 'self-signed';
      /** The `client-certificate` header value. */
      readonly header: string;
    }
  | {
      readonly ok: true;
      readonly cert: InspectedCertificate;
      readonly kind: 'ca-signed';
      readonly header: string;
      /**
       * The bundle certificate at the end of the path (the one that issued the leaf, or the last
       * presented intermediate); undefined when there is no path (the leaf is not CA-verified).
       */
      readonly verifiedBy: InspectedCertificate | undefined;
      /** The presented intermediates on the path, from the leaf up (empty: the bundle issued the leaf). */
      readonly through: readonly InspectedCertificate[];
    };

/**
 * Classifies a client certificate (PEM) against the CA bundle. Pure: same input, same answer.
 * @param presented the certificates the client presented after the leaf (PEM), when the front door
 *   passes its chain on unverified (the ALB in passthrough mode). Omitted: the front door verified the
 *   chain itself (API Gateway's truststore) and only the leaf's issuer is looked for in the bundle. A
 *   presented certificate that does not parse refuses the whole chain (fail closed).
 */
export function analyzeClientCertificate(
  pem: string,
  bundle: CaBundle,
  presented: readonly string[] = [],
): ClientCertificateAnalysis {
  if (presented.length + 1 > MAX_CHAIN_DEPTH) return { ok: false, reason: 'chain-too-long' };
  let cert: InspectedCertificate;
  try {
    cert = inspectCertificate(pem);
  } catch {
    return { ok: false, reason: 'unparsable' };
  }
  const header = encodeClientCertificateHeader(cert.pem);
  if (!headerFits(header)) return { ok: false, reason: 'header-too-large', thumbprint: cert.thumbprint };
  if (kindOf(cert) === 'self-signed') return { ok: true, cert, kind: 'self-signed', header };
  let chain: InspectedCertificate[];
  try {
    chain = presented.map((block) => inspectCertificate(block));
  } catch {
    return { ok: false, reason: 'unparsable', thumbprint: cert.thumbprint };
  }
  const path = bundle.pathFrom(cert, chain);
  return {
    ok: true,
    cert,
    kind: 'ca-signed',
    header,
    verifiedBy: path?.anchor,
    through: path?.through ?? [],
  };
}
