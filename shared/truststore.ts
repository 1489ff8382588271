/**
 * The truststore checks (CONTRACT 6.2): what API Gateway would refuse or silently mishandle in the
 * mTLS truststore, found before it is uploaded. Pure (no I/O): the admin CLI, the truststore builder
 * Lambda and the local edge run exactly this code.
 */
import {
  inspectCertificate,
  isWithinValidity,
  splitPemBlocks,
  type InspectedCertificate,
} from './certificate';
import { PublicRoots, policyProblems } from './certificate-policy';
import { errorMessage } from './errors';

/** API Gateway's limit on the truststore object is about 1,000 KB: we refuse 1,000,000 bytes or more. */
export const MAX_TRUSTSTORE_BYTES = 1_000_000;
/** A certificate expiring within this many days is reported (API Gateway never warns about expiry). */
export const EXPIRY_WARNING_DAYS = 30;

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

export interface TruststoreFinding {
  readonly severity: 'error' | 'warning';
  /** Stable: one of {@link TruststoreErrorCode} or {@link TruststoreWarningCode}. */
  readonly code: string;
  /** One line, naming the certificate and the problem. */
  readonly message: string;
  /** The certificate concerned; `index` is its 1-based position among the file's PEM blocks. */
  readonly certificate?: { readonly index: number; readonly subject: string; readonly thumbprint: string };
}

export interface TruststoreResult {
  /** No errors (warnings allowed). */
  readonly ok: boolean;
  readonly errors: readonly TruststoreFinding[];
  readonly warnings: readonly TruststoreFinding[];
  /** The truststore text that was checked (for `assembleTruststore`: the assembled file to upload). */
  readonly pem: string;
  /** Size of `pem` in bytes (UTF-8). */
  readonly bytes: number;
  /** Certificates that parsed. */
  readonly certificates: number;
  readonly earliestExpiry?: Date;
}

export interface TruststoreOptions {
  /** @default - the current time */
  readonly now?: Date;
  /** Report a publicly trusted CA as a (loud) warning instead of an error. @default false */
  readonly allowPublicCa?: boolean;
  /**
   * PEMs of the publicly trusted roots. Tests pass a made-up "public" root here, since no test can hold
   * a real public root's key.
   * @default - Node's bundled Mozilla store, `tls.rootCertificates`
   */
  readonly publicRoots?: readonly string[];
}

const DAY_MS = 86_400_000;

interface Entry {
  readonly index: number;
  readonly cert: InspectedCertificate;
}

function ref(entry: Entry): NonNullable<TruststoreFinding['certificate']> {
  return { index: entry.index, subject: entry.cert.subject, thumbprint: entry.cert.thumbprint };
}

function label(entry: Entry): string {
  return `certificate #${entry.index} (${entry.cert.subject}, thumbprint ${entry.cert.thumbprint})`;
}

/** PEM blocks that are not certificates (a private key has no business in a truststore), or are cut off. */
function strayBlocks(text: string): string[] {
  const problems: string[] = [];
  for (const match of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)) {
    if (match[1] !== 'CERTIFICATE') problems.push(`a ${match[1]} block is not a certificate`);
  }
  const begins = (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
  const complete = splitPemBlocks(text).length;
  if (begins > complete) problems.push(`${begins - complete} CERTIFICATE block(s) without an END line`);
  return problems;
}

/**
 * `issuer` signed `cert`: names match and the signature verifies. Looser than `issued()` on purpose
 * (which also wants keyCertSign): a CA:FALSE certificate that signed another one must still be found.
 */
function signedBy(issuer: InspectedCertificate, cert: InspectedCertificate): boolean {
  if (cert.x509.issuer !== issuer.x509.subject) return false;
  try {
    return cert.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

/** Runs every check of CONTRACT 6.2 on a truststore's text. */
export function checkTruststore(pemText: string, options: TruststoreOptions = {}): TruststoreResult {
  const now = options.now ?? new Date();
  const publicRoots = options.publicRoots ? new PublicRoots(options.publicRoots) : PublicRoots.node();
  const errors: TruststoreFinding[] = [];
  const warnings: TruststoreFinding[] = [];
  const error = (code: TruststoreErrorCode, message: string, entry?: Entry): void => {
    errors.push({ severity: 'error', code, message, ...(entry ? { certificate: ref(entry) } : {}) });
  };
  const warn = (code: TruststoreWarningCode, message: string, entry?: Entry): void => {
    warnings.push({ severity: 'warning', code, message, ...(entry ? { certificate: ref(entry) } : {}) });
  };

  const bytes = Buffer.byteLength(pemText, 'utf8');
  if (bytes >= MAX_TRUSTSTORE_BYTES) {
    error(
      'too-large',
      `the truststore is ${bytes} bytes; API Gateway accepts less than ${MAX_TRUSTSTORE_BYTES}`,
    );
  }
  for (const problem of strayBlocks(pemText)) error('unparsable', problem);

  const entries: Entry[] = [];
  const parsed = new Map<string, InspectedCertificate>(); // copies are parsed once
  splitPemBlocks(pemText).forEach((block, i) => {
    try {
      const cert = parsed.get(block) ?? inspectCertificate(block);
      parsed.set(block, cert);
      entries.push({ index: i + 1, cert });
    } catch (e) {
      error('unparsable', `certificate #${i + 1}: ${errorMessage(e)}`);
    }
  });
  if (entries.length === 0 && errors.every((f) => f.code !== 'unparsable')) {
    error('empty', 'the truststore holds no certificate');
  }

  // Who issued whom, within the file (by issuer name first, then key identifiers and signature).
  const bySubject = new Map<string, Entry[]>();
  for (const entry of entries) {
    const list = bySubject.get(entry.cert.x509.subject) ?? [];
    list.push(entry);
    bySubject.set(entry.cert.x509.subject, list);
  }
  // Signature checks are memoized by thumbprint pair: a file of many copies must not cost n² verifications.
  const verified = new Map<string, boolean>();
  const issuersOf = new Map<Entry, Entry[]>();
  const issuedBy = new Map<Entry, Entry[]>();
  for (const entry of entries) {
    // A self-signed certificate is its own issuer (a copy or a re-issue with the same key is not another).
    const found = entry.cert.selfSigned
      ? []
      : (bySubject.get(entry.cert.x509.issuer) ?? []).filter((candidate) => {
          const key = `${candidate.cert.thumbprint} ${entry.cert.thumbprint}`;
          let ok = verified.get(key);
          if (ok === undefined) verified.set(key, (ok = signedBy(candidate.cert, entry.cert)));
          return ok;
        });
    issuersOf.set(entry, found);
    for (const issuer of found) {
      const list = issuedBy.get(issuer) ?? [];
      list.push(entry);
      issuedBy.set(issuer, list);
    }
  }

  // Public CAs: a public root itself, one issued by a public root, and anything chaining to those in the file.
  const publicReason = new Map<Entry, string>();
  for (const entry of entries) {
    const match = publicRoots.match(entry.cert.x509);
    if (match) publicReason.set(entry, match);
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const entry of entries) {
      if (publicReason.has(entry)) continue;
      const publicIssuer = (issuersOf.get(entry) ?? []).find((issuer) => publicReason.has(issuer));
      if (publicIssuer) {
        publicReason.set(
          entry,
          `chains to a publicly trusted root through certificate #${publicIssuer.index}`,
        );
        changed = true;
      }
    }
  }

  const seenSubjects = new Map<string, Entry>();
  const policyByThumbprint = new Map<string, ReturnType<typeof policyProblems>>();
  for (const entry of entries) {
    const { cert } = entry;
    if (!cert.selfSigned && !cert.isCa) {
      error(
        'not-a-ca',
        `${label(entry)} is neither self-signed nor CA:TRUE: a leaf issued by ${cert.issuer} does not belong in a truststore`,
        entry,
      );
    }
    const children = issuedBy.get(entry) ?? [];
    if (children.length > 0 && !cert.isCa) {
      const others = children.length > 1 ? ` (and ${children.length - 1} more)` : '';
      error(
        'issuer-not-ca',
        `${label(entry)} issued certificate #${children[0]?.index}${others} but is not CA:TRUE`,
        entry,
      );
    }
    const reason = publicReason.get(entry);
    if (reason) {
      if (options.allowPublicCa) {
        warn(
          'public-ca',
          `PUBLIC CA ALLOWED: ${label(entry)} ${reason}; anyone who can get a certificate from this CA passes the mTLS handshake`,
          entry,
        );
      } else {
        error(
          'public-ca',
          `${label(entry)} ${reason}; anyone could obtain a client certificate from it (--allow-public-ca to override)`,
          entry,
        );
      }
    }
    let problems = policyByThumbprint.get(cert.thumbprint);
    if (!problems) policyByThumbprint.set(cert.thumbprint, (problems = policyProblems(cert.x509)));
    for (const problem of problems) error(problem.code, `${label(entry)}: ${problem.message}`, entry);
    if (cert.notAfter.getTime() < now.getTime()) {
      error('expired', `${label(entry)} expired on ${cert.notAfter.toISOString()}`, entry);
    } else if (!isWithinValidity(cert, now)) {
      error('not-yet-valid', `${label(entry)} is not valid before ${cert.notBefore.toISOString()}`, entry);
    } else if (cert.notAfter.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * DAY_MS) {
      warn('expiring-soon', `${label(entry)} expires on ${cert.notAfter.toISOString()}`, entry);
    }
    const first = seenSubjects.get(cert.subject);
    if (first) {
      const same = first.cert.thumbprint === cert.thumbprint;
      error(
        'duplicate-subject',
        `${label(entry)} has the same subject DN as certificate #${first.index}${same ? ' (it is the same certificate)' : ''}`,
        entry,
      );
    } else {
      seenSubjects.set(cert.subject, entry);
    }
    if (!cert.selfSigned && (issuersOf.get(entry) ?? []).length === 0) {
      warn('missing-issuer', `${label(entry)}: its issuer ${cert.issuer} is not in the truststore`, entry);
    }
  }

  const earliest = entries.reduce<Date | undefined>(
    (min, { cert }) => (min === undefined || cert.notAfter < min ? cert.notAfter : min),
    undefined,
  );
  return {
    ok: errors.length === 0,
    errors,
    warnings,
    pem: pemText,
    bytes,
    certificates: entries.length,
    ...(earliest ? { earliestExpiry: earliest } : {}),
  };
}

/** A block's canonical PEM, or the block as given when it does not parse (the checks then report it). */
function canonical(block: string): string {
  try {
    return inspectCertificate(block).pem;
  } catch {
    return `${block}\n`;
  }
}

/** CA bundle + the given self-signed client certificates (canonical PEMs concatenated), then checkTruststore. */
export function assembleTruststore(
  caBundlePem: string,
  selfSignedPems: readonly string[],
  options?: TruststoreOptions,
): TruststoreResult {
  const caBlocks = splitPemBlocks(caBundlePem);
  const clientBlocks = selfSignedPems.flatMap((pem) => splitPemBlocks(pem));
  const text = [...caBlocks, ...clientBlocks].map(canonical).join('');
  const result = checkTruststore(text, options);
  // Problems of the CA bundle file that do not survive into the assembled text.
  const bundleErrors: TruststoreFinding[] = strayBlocks(caBundlePem).map((problem) => ({
    severity: 'error',
    code: 'unparsable',
    message: `CA bundle: ${problem}`,
  }));
  if (caBlocks.length === 0) {
    bundleErrors.unshift({
      severity: 'error',
      code: 'no-ca',
      message: 'the CA bundle holds no certificate: a truststore without the client CAs is never built',
    });
  }
  if (bundleErrors.length === 0) return result;
  const errors = [...bundleErrors, ...result.errors.filter((f) => f.code !== 'empty')];
  return { ...result, ok: false, errors };
}
