/**
 * The truststore checks (docs/reference.md#truststore-checks): what API Gateway would refuse or silently mishandle in the
 * mTLS truststore, found before it is uploaded. Pure (no I/O): the admin CLI, the truststore builder
 * Lambda and the local edge run exactly this code. The rules themselves, one per check, are in
 * `truststore-rules.ts`; this module works out what they share and runs them.
 */
import {
  inspectCertificate,
  kindOf,
  signed,
  splitPemBlocks,
  SubjectIndex,
  type InspectedCertificate,
} from './certificate';
import { PublicRoots, keyProblem, signatureProblem } from './certificate-policy';
import { errorMessage } from './errors';
import {
  CERTIFICATE_RULES,
  FILE_RULES,
  type TruststoreContext,
  type TruststoreEntry,
} from './truststore-rules';

export {
  EXPIRY_WARNING_DAYS,
  MAX_TRUSTSTORE_BYTES,
  type TruststoreErrorCode,
  type TruststoreWarningCode,
} from './truststore-rules';

export interface TruststoreFinding {
  readonly severity: 'error' | 'warning';
  /** Stable: a `TruststoreErrorCode` or a `TruststoreWarningCode`. */
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

/**
 * PEM framing problems: blocks that are not certificates (a private key has no business in a
 * truststore), CERTIFICATE blocks without an END line.
 */
function framingProblems(text: string): string[] {
  const problems: string[] = [];
  for (const match of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)) {
    if (match[1] !== 'CERTIFICATE') problems.push(`a ${match[1]} block is not a certificate`);
  }
  const begins = (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
  const complete = splitPemBlocks(text).length;
  if (begins > complete) problems.push(`${begins - complete} CERTIFICATE block(s) without an END line`);
  return problems;
}

/** `compute(cert)` once per distinct certificate (by thumbprint), however many copies the file holds. */
function perCertificate<V>(compute: (cert: InspectedCertificate) => V): (entry: TruststoreEntry) => V {
  const cache = new Map<string, { readonly value: V }>();
  return ({ cert }) => {
    const hit = cache.get(cert.thumbprint);
    if (hit) return hit.value;
    const value = compute(cert);
    cache.set(cert.thumbprint, { value });
    return value;
  };
}

/**
 * Everything the rules share, worked out once: the parsed certificates (a block repeated in the file
 * is parsed once), who signed whom within the file, the publicly trusted ones, the key and signature
 * policy. Signature checks, public-root matches and policy are memoized by thumbprint, so a file of
 * many copies of one certificate costs one of each, not one per copy (nor one per pair of copies).
 */
export function truststoreContext(pemText: string, options: TruststoreOptions = {}): TruststoreContext {
  const now = options.now ?? new Date();
  const publicRoots = options.publicRoots ? new PublicRoots(options.publicRoots) : PublicRoots.node();

  const entries: TruststoreEntry[] = [];
  const unparsable: { index: number; reason: string }[] = [];
  const parsed = new Map<string, InspectedCertificate>();
  splitPemBlocks(pemText).forEach((block, i) => {
    try {
      const cert = parsed.get(block) ?? inspectCertificate(block);
      parsed.set(block, cert);
      entries.push({ index: i + 1, cert });
    } catch (error) {
      unparsable.push({ index: i + 1, reason: errorMessage(error) });
    }
  });
  const bySubject = new SubjectIndex((entry: TruststoreEntry) => entry.cert.x509, entries);

  // Who signed whom, within the file: the loose rule (`signed`), so that a CA:FALSE signer is found.
  // Memoized by thumbprint pair: a file of many copies must not cost n² signature verifications.
  const verified = new Map<string, boolean>();
  const signedInFile = (issuer: TruststoreEntry, entry: TruststoreEntry): boolean => {
    const key = `${issuer.cert.thumbprint} ${entry.cert.thumbprint}`;
    let ok = verified.get(key);
    if (ok === undefined) verified.set(key, (ok = signed(issuer.cert.x509, entry.cert.x509)));
    return ok;
  };
  const issuersOf = new Map<TruststoreEntry, TruststoreEntry[]>();
  const issuedBy = new Map<TruststoreEntry, TruststoreEntry[]>();
  for (const entry of entries) {
    // A self-signed certificate is its own issuer (a copy or a re-issue with the same key is not another).
    const found =
      kindOf(entry.cert) === 'self-signed'
        ? []
        : bySubject.namedAsIssuerOf(entry.cert.x509).filter((candidate) => signedInFile(candidate, entry));
    issuersOf.set(entry, found);
    for (const issuer of found) {
      const list = issuedBy.get(issuer);
      if (list) list.push(entry);
      else issuedBy.set(issuer, [entry]);
    }
  }

  // Public CAs: a public root itself, one issued by a public root, and anything chaining to those in the file.
  const publicMatch = perCertificate((cert) => publicRoots.match(cert.x509));
  const publicReason = new Map<TruststoreEntry, string>();
  for (const entry of entries) {
    const match = publicMatch(entry);
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

  return {
    bytes: Buffer.byteLength(pemText, 'utf8'),
    now,
    allowPublicCa: options.allowPublicCa ?? false,
    framingProblems: framingProblems(pemText),
    unparsable,
    entries,
    bySubject,
    issuersOf: (entry) => issuersOf.get(entry) ?? [],
    issuedBy: (entry) => issuedBy.get(entry) ?? [],
    publicReason: (entry) => publicReason.get(entry),
    keyProblem: perCertificate((cert) => keyProblem(cert.x509)),
    signatureProblem: perCertificate((cert) => signatureProblem(cert.der)),
  };
}

function ref(entry: TruststoreEntry): NonNullable<TruststoreFinding['certificate']> {
  return { index: entry.index, subject: entry.cert.subject, thumbprint: entry.cert.thumbprint };
}

/** Runs every rule of docs/reference.md#truststore-checks (`truststore-rules.ts`) on a truststore's text. */
export function checkTruststore(pemText: string, options: TruststoreOptions = {}): TruststoreResult {
  const context = truststoreContext(pemText, options);
  const findings: TruststoreFinding[] = [];
  for (const rule of FILE_RULES) {
    for (const message of rule.check(context)) {
      findings.push({ severity: rule.severity, code: rule.code, message });
    }
  }
  for (const entry of context.entries) {
    for (const rule of CERTIFICATE_RULES) {
      const message = rule.check(entry, context);
      if (message !== undefined) {
        findings.push({ severity: rule.severity, code: rule.code, message, certificate: ref(entry) });
      }
    }
  }
  const errors = findings.filter((finding) => finding.severity === 'error');
  const earliest = context.entries.reduce<Date | undefined>(
    (min, { cert }) => (min === undefined || cert.notAfter < min ? cert.notAfter : min),
    undefined,
  );
  return {
    ok: errors.length === 0,
    errors,
    warnings: findings.filter((finding) => finding.severity === 'warning'),
    pem: pemText,
    bytes: context.bytes,
    certificates: context.entries.length,
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
  const bundleErrors: TruststoreFinding[] = framingProblems(caBundlePem).map((problem) => ({
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
