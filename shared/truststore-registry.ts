/**
 * Which registry entries go into the truststore: the one rule the truststore builder, the local edge and
 * the CLI share. One bad registration must not freeze the TLS layer for everyone else, so an active
 * self-signed entry that would make the truststore checks (`truststore.ts`) refuse the file (its subject
 * DN is a CA's, its PEM does not parse, its key is weak, …), or that lacks its PEM or its subject, is
 * left out with the reason, and the rest is assembled and checked as before. Only what no single entry
 * causes (a problem of the CA bundle, a file over 1 MB) still refuses the whole truststore.
 */
import { inspectCertificate, splitPemBlocks, type InspectedCertificate } from './certificate';
import { errorMessage } from './errors';
import type { IncompleteEntry, RegistryEntry } from './registry-model';
import {
  assembleTruststore,
  type TruststoreFinding,
  type TruststoreOptions,
  type TruststoreResult,
} from './truststore';

/** The registry as the truststore sees it (`scanRegistryContents` of registry-store.ts reads it). */
export interface RegistryCandidates {
  readonly entries: readonly RegistryEntry[];
  readonly incomplete: readonly IncompleteEntry[];
}

/** A registry entry left out of the truststore, and why. */
export interface Exclusion {
  readonly thumbprint: string;
  readonly subject?: string;
  /** `missing-pem`, `incomplete`, `unparsable`, `several-certificates`, `thumbprint-mismatch`, `expired`, or a truststore check's code. */
  readonly code: string;
  /** One line, for people: what is wrong with the entry. */
  readonly reason: string;
  /**
   * Whether someone has to act: true for every entry but an expired one, which leaves the truststore as
   * expected (it was warned about for 30 days) and is deleted by the registry's TTL.
   */
  readonly fault: boolean;
}

export interface RegistryTruststore extends TruststoreResult {
  /** The entries whose certificates are in the truststore, in file order. */
  readonly included: readonly RegistryEntry[];
  readonly excluded: readonly Exclusion[];
}

export interface RegistryTruststoreOptions extends TruststoreOptions {
  /** How reasons name the bundle's certificates. @default 'the CA bundle' */
  readonly bundleName?: string;
}

interface Candidate {
  readonly entry: RegistryEntry;
  readonly cert: InspectedCertificate;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An entry's certificate, or why it cannot be one block of the truststore. */
function readCandidate(
  entry: RegistryEntry,
  now: Date,
): Candidate | Omit<Exclusion, 'thumbprint' | 'subject'> {
  if (entry.pem === undefined) {
    return {
      code: 'missing-pem',
      reason: 'the entry has no PEM (pem attribute): nothing to put in the truststore',
      fault: true,
    };
  }
  const blocks = splitPemBlocks(entry.pem);
  if (blocks.length > 1) {
    return {
      code: 'several-certificates',
      reason: `its PEM holds ${blocks.length} certificates, not one`,
      fault: true,
    };
  }
  let cert: InspectedCertificate;
  try {
    cert = inspectCertificate(blocks[0] ?? entry.pem);
  } catch (error) {
    return { code: 'unparsable', reason: `its PEM does not parse (${errorMessage(error)})`, fault: true };
  }
  if (cert.thumbprint !== entry.thumbprint) {
    return {
      code: 'thumbprint-mismatch',
      reason: `its PEM is another certificate (${cert.subject}, thumbprint ${cert.thumbprint})`,
      fault: true,
    };
  }
  if (cert.notAfter.getTime() < now.getTime()) {
    return { code: 'expired', reason: `expired on ${cert.notAfter.toISOString()}`, fault: false };
  }
  return { entry, cert };
}

/**
 * A finding's message about one entry, told without the file's numbering: the entry's own label goes,
 * and `certificate #k` names what it is (a CA of the bundle, or another registry entry).
 */
function reasonOf(finding: TruststoreFinding, describe: (index: number) => string): string {
  const own = finding.certificate;
  let message = finding.message;
  if (own) {
    const label = `certificate #${own.index} (${own.subject}, thumbprint ${own.thumbprint})`;
    if (message.startsWith(label)) message = message.slice(label.length).replace(/^:?\s*/, '');
  }
  return message.replace(/certificate #(\d+)/g, (_, index: string) => describe(Number(index)));
}

/**
 * The truststore of the CA bundle and the registry: every active self-signed entry that passes the
 * checks, the others left out with their reasons. `ok` is false only for problems no single entry causes.
 */
export function assembleFromRegistry(
  caBundlePem: string,
  registry: RegistryCandidates,
  options: RegistryTruststoreOptions = {},
): RegistryTruststore {
  const now = options.now ?? new Date();
  const excluded: Exclusion[] = registry.incomplete.map((item) => ({
    thumbprint: item.thumbprint,
    ...(item.subject !== undefined ? { subject: item.subject } : {}),
    code: 'incomplete',
    reason: `the entry has no ${item.missing.join(' and no ')}: it cannot be read as a certificate entry`,
    fault: true,
  }));
  let candidates: Candidate[] = [];
  const active = registry.entries
    .filter((entry) => entry.kind === 'self-signed' && entry.status === 'active')
    .sort((a, b) => compare(a.subject, b.subject) || compare(a.thumbprint, b.thumbprint));
  for (const entry of active) {
    const read = readCandidate(entry, now);
    if ('cert' in read) candidates.push(read);
    else excluded.push({ thumbprint: entry.thumbprint, subject: entry.subject, ...read });
  }

  const caCertificates = splitPemBlocks(caBundlePem).map((block) => {
    try {
      return inspectCertificate(block).subject;
    } catch {
      return undefined;
    }
  });
  for (;;) {
    const result = assembleTruststore(
      caBundlePem,
      candidates.map((c) => c.cert.pem),
      options,
    );
    // The file is the CA bundle's blocks, then one block per candidate, in order.
    const candidateAt = (index: number): Candidate | undefined =>
      candidates[index - caCertificates.length - 1];
    const describe = (index: number): string => {
      if (index <= caCertificates.length)
        return `${options.bundleName ?? 'the CA bundle'}'s certificate ${caCertificates[index - 1] ?? `#${index}`}`;
      const other = candidateAt(index);
      return other
        ? `registry entry ${other.entry.thumbprint} (${other.cert.subject})`
        : `certificate #${index}`;
    };
    const faulty = new Map<Candidate, TruststoreFinding>();
    for (const finding of result.errors) {
      const candidate = finding.certificate ? candidateAt(finding.certificate.index) : undefined;
      if (candidate && !faulty.has(candidate)) faulty.set(candidate, finding);
    }
    if (faulty.size === 0) return { ...result, included: candidates.map((c) => c.entry), excluded };
    for (const [candidate, finding] of faulty) {
      excluded.push({
        thumbprint: candidate.entry.thumbprint,
        subject: candidate.cert.subject,
        code: finding.code,
        reason: reasonOf(finding, describe),
        fault: true,
      });
    }
    candidates = candidates.filter((c) => !faulty.has(c));
  }
}

/**
 * Why the truststore would leave this self-signed certificate out, against this CA bundle (for example:
 * its subject DN is one of the CAs'), or undefined when it would go in. What `register` checks up front
 * when it can see the CA bundle.
 */
export function truststoreObjection(
  caBundlePem: string,
  cert: InspectedCertificate,
  options: RegistryTruststoreOptions = {},
): Exclusion | undefined {
  const entry: RegistryEntry = {
    thumbprint: cert.thumbprint,
    kind: 'self-signed',
    status: 'active',
    pem: cert.pem,
    subject: cert.subject,
    notAfter: cert.notAfter.toISOString(),
  };
  return assembleFromRegistry(caBundlePem, { entries: [entry], incomplete: [] }, options).excluded[0];
}
