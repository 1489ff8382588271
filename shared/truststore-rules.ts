/**
 * The truststore rules (docs/reference.md#truststore-checks), one per check, after cdk-nag's one-rule-per-function packs: a
 * rule names its finding code and severity and answers, for the whole file or for one certificate,
 * with a one-line message, or with nothing when there is nothing to report. What several rules need
 * (the parsed certificates, who signed whom within the file, which ones are publicly trusted, the key
 * and signature policy) is worked out once per check, in the {@link TruststoreContext} that
 * `checkTruststore` builds; a rule only reads it.
 *
 * Findings come out file rules first, then certificate by certificate in file order, each certificate
 * through {@link CERTIFICATE_RULES} in the order listed: the order the CLI prints them in.
 */
import { isWithinValidity, kindOf, type InspectedCertificate, type SubjectIndex } from './certificate';
import type { PolicyProblem } from './certificate-policy';

/** API Gateway's limit on the truststore object is about 1,000 KB: we refuse 1,000,000 bytes or more. */
export const MAX_TRUSTSTORE_BYTES = 1_000_000;
/** A certificate expiring within this many days is reported (API Gateway never warns about expiry). */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;

export type TruststoreErrorCode =
  | 'empty'
  | 'no-ca'
  | 'unparsable'
  | 'not-a-ca'
  | 'issuer-not-ca'
  | 'public-ca'
  | 'weak-key'
  | 'weak-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'duplicate-subject'
  | 'too-large';

export type TruststoreWarningCode = 'expiring-soon' | 'missing-issuer' | 'public-ca';

/** A certificate of the file; `index` is its 1-based position among the file's PEM blocks. */
export interface TruststoreEntry {
  readonly index: number;
  readonly cert: InspectedCertificate;
}

/** What the rules share, computed once per check. */
export interface TruststoreContext {
  /** Size of the truststore text in bytes (UTF-8). */
  readonly bytes: number;
  readonly now: Date;
  /** A publicly trusted CA is a warning instead of an error. */
  readonly allowPublicCa: boolean;
  /** PEM framing problems: a block that is not a certificate, a certificate cut off before its END line. */
  readonly framingProblems: readonly string[];
  /** Complete CERTIFICATE blocks that do not parse (`index` as in {@link TruststoreEntry}). */
  readonly unparsable: readonly { readonly index: number; readonly reason: string }[];
  /** The certificates that parsed, in file order. */
  readonly entries: readonly TruststoreEntry[];
  /** The file's certificates by subject DN. */
  readonly bySubject: SubjectIndex<TruststoreEntry>;
  /**
   * The certificates of the file that signed `entry` (`signed` of certificate.ts: the loose rule, so a
   * CA:FALSE signer counts); none for a self-signed certificate, whose issuer is itself.
   */
  issuersOf(entry: TruststoreEntry): readonly TruststoreEntry[];
  /** The certificates of the file that `entry` signed, in file order. */
  issuedBy(entry: TruststoreEntry): readonly TruststoreEntry[];
  /** Why `entry` is publicly trusted (a public root, issued by one, chaining to one in the file), if it is. */
  publicReason(entry: TruststoreEntry): string | undefined;
  /** Its key problem (RSA < 2048 bits, EC < P-256, another key type), if any. */
  keyProblem(entry: TruststoreEntry): PolicyProblem | undefined;
  /** Its signature problem (weaker than SHA-256: SHA-1, MD5, …), if any. */
  signatureProblem(entry: TruststoreEntry): PolicyProblem | undefined;
}

type Outcome =
  | { readonly severity: 'error'; readonly code: TruststoreErrorCode }
  | { readonly severity: 'warning'; readonly code: TruststoreWarningCode };

/** A rule over the whole file: one message per finding. */
export type FileRule = Outcome & {
  check(context: TruststoreContext): readonly string[];
};

/** A rule over one certificate of the file: the finding's message, or undefined. */
export type CertificateRule = Outcome & {
  check(entry: TruststoreEntry, context: TruststoreContext): string | undefined;
};

/** How findings name a certificate: position, subject and thumbprint. */
export function label(entry: TruststoreEntry): string {
  return `certificate #${entry.index} (${entry.cert.subject}, thumbprint ${entry.cert.thumbprint})`;
}

// ---- The file ----

/** 1,000,000 bytes or more: API Gateway refuses the truststore object. */
export const tooLarge: FileRule = {
  severity: 'error',
  code: 'too-large',
  check: ({ bytes }) =>
    bytes >= MAX_TRUSTSTORE_BYTES
      ? [`the truststore is ${bytes} bytes; API Gateway accepts less than ${MAX_TRUSTSTORE_BYTES}`]
      : [],
};

/** A PEM block that is not a certificate (a private key has no business here), or one cut off. */
export const strayBlock: FileRule = {
  severity: 'error',
  code: 'unparsable',
  check: ({ framingProblems }) => framingProblems,
};

/** A complete CERTIFICATE block that is not an X.509 certificate. */
export const unparsableCertificate: FileRule = {
  severity: 'error',
  code: 'unparsable',
  check: ({ unparsable }) => unparsable.map(({ index, reason }) => `certificate #${index}: ${reason}`),
};

/** Nothing at all in the file (not even something that failed to parse). */
export const empty: FileRule = {
  severity: 'error',
  code: 'empty',
  check: ({ entries, framingProblems, unparsable }) =>
    entries.length === 0 && framingProblems.length === 0 && unparsable.length === 0
      ? ['the truststore holds no certificate']
      : [],
};

// ---- Each certificate ----

/** A certificate someone else issued that is not a CA: a leaf, which does not belong in a truststore. */
export const notACa: CertificateRule = {
  severity: 'error',
  code: 'not-a-ca',
  check: (entry) =>
    kindOf(entry.cert) === 'ca-signed' && !entry.cert.isCa
      ? `${label(entry)} is neither self-signed nor CA:TRUE: a leaf issued by ${entry.cert.issuer} does not belong in a truststore`
      : undefined,
};

/**
 * A certificate that signed another certificate of the file without being CA:TRUE (a CA:FALSE
 * self-signed client certificate is a legitimate entry, until it signs something).
 */
export const issuerNotCa: CertificateRule = {
  severity: 'error',
  code: 'issuer-not-ca',
  check(entry, context) {
    const children = context.issuedBy(entry);
    if (children.length === 0 || entry.cert.isCa) return undefined;
    const others = children.length > 1 ? ` (and ${children.length - 1} more)` : '';
    return `${label(entry)} issued certificate #${children[0]?.index}${others} but is not CA:TRUE`;
  },
};

/** A publicly trusted root, or a certificate issued by (chaining to) one: anyone could get a client certificate. */
export const publicCa: CertificateRule = {
  severity: 'error',
  code: 'public-ca',
  check(entry, context) {
    const reason = context.allowPublicCa ? undefined : context.publicReason(entry);
    return reason
      ? `${label(entry)} ${reason}; anyone could obtain a client certificate from it (--allow-public-ca to override)`
      : undefined;
  },
};

/** The same, when the operator allowed public CAs: a loud warning instead. */
export const publicCaAllowed: CertificateRule = {
  severity: 'warning',
  code: 'public-ca',
  check(entry, context) {
    const reason = context.allowPublicCa ? context.publicReason(entry) : undefined;
    return reason
      ? `PUBLIC CA ALLOWED: ${label(entry)} ${reason}; anyone who can get a certificate from this CA passes the mTLS handshake`
      : undefined;
  },
};

/** RSA under 2048 bits, EC under P-256, or a key type API Gateway does not take. */
export const weakKey: CertificateRule = {
  severity: 'error',
  code: 'weak-key',
  check(entry, context) {
    const problem = context.keyProblem(entry);
    return problem ? `${label(entry)}: ${problem.message}` : undefined;
  },
};

/** A signature weaker than SHA-256 (SHA-1, MD5, …). */
export const weakSignature: CertificateRule = {
  severity: 'error',
  code: 'weak-signature',
  check(entry, context) {
    const problem = context.signatureProblem(entry);
    return problem ? `${label(entry)}: ${problem.message}` : undefined;
  },
};

function isExpired(cert: InspectedCertificate, now: Date): boolean {
  return cert.notAfter.getTime() < now.getTime();
}

/** Past its notAfter. */
export const expired: CertificateRule = {
  severity: 'error',
  code: 'expired',
  check: (entry, { now }) =>
    isExpired(entry.cert, now)
      ? `${label(entry)} expired on ${entry.cert.notAfter.toISOString()}`
      : undefined,
};

/** Before its notBefore (and not expired: a certificate is reported as one or the other). */
export const notYetValid: CertificateRule = {
  severity: 'error',
  code: 'not-yet-valid',
  check: (entry, { now }) =>
    !isExpired(entry.cert, now) && !isWithinValidity(entry.cert, now)
      ? `${label(entry)} is not valid before ${entry.cert.notBefore.toISOString()}`
      : undefined,
};

/** Valid now, but for less than {@link EXPIRY_WARNING_DAYS} more days. */
export const expiringSoon: CertificateRule = {
  severity: 'warning',
  code: 'expiring-soon',
  check: (entry, { now }) =>
    isWithinValidity(entry.cert, now) &&
    entry.cert.notAfter.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * DAY_MS
      ? `${label(entry)} expires on ${entry.cert.notAfter.toISOString()}`
      : undefined,
};

/** A certificate whose subject DN an earlier certificate of the file has (API Gateway refuses the file). */
export const duplicateSubject: CertificateRule = {
  severity: 'error',
  code: 'duplicate-subject',
  check(entry, context) {
    const first = context.bySubject.withSubject(entry.cert.x509.subject)[0];
    if (!first || first === entry) return undefined;
    const same = first.cert.thumbprint === entry.cert.thumbprint;
    return `${label(entry)} has the same subject DN as certificate #${first.index}${same ? ' (it is the same certificate)' : ''}`;
  },
};

/** A CA-signed certificate (an intermediate, typically) whose issuer is not in the file. */
export const missingIssuer: CertificateRule = {
  severity: 'warning',
  code: 'missing-issuer',
  check: (entry, context) =>
    kindOf(entry.cert) === 'ca-signed' && context.issuersOf(entry).length === 0
      ? `${label(entry)}: its issuer ${entry.cert.issuer} is not in the truststore`
      : undefined,
};

/** The rules over the whole file, in reporting order. */
export const FILE_RULES: readonly FileRule[] = [tooLarge, strayBlock, unparsableCertificate, empty];

/** The rules over each certificate, in reporting order. */
export const CERTIFICATE_RULES: readonly CertificateRule[] = [
  notACa,
  issuerNotCa,
  publicCa,
  publicCaAllowed,
  weakKey,
  weakSignature,
  expired,
  notYetValid,
  expiringSoon,
  duplicateSubject,
  missingIssuer,
];
