/**
 * The decision table of docs/reference.md#decision, as pure functions over the certificate analysis, the clock and
 * the registry's answer.
 */
import {
  isWithinValidity,
  type CertificateKind,
  type ClientCertificateAnalysis,
} from '../../shared/certificate';
import type { RegistryVerdict } from '../../shared/registry-model';
import type { CaSignedPolicy } from '../../shared/contracts/proxy';

/** Why a certificate was refused (logged and counted; the client only sees `invalid_client`). */
export type RejectReason =
  | 'no-certificate'
  | 'certificate-header-repeated'
  | 'certificate-header-malformed'
  | 'unparsable'
  | 'header-too-large'
  | 'chain-too-long'
  | 'outside-validity'
  | 'not-issued-by-trusted-ca'
  | 'self-signed-not-registered'
  | 'revoked'
  | 'ca-signed-not-registered'
  | 'registry-entry-malformed';

export type CaVerifiedStatus = 'SUCCESS' | 'FAILED';

export type Decision =
  | { readonly forward: true; readonly caVerified: CaVerifiedStatus }
  | { readonly forward: false; readonly reason: RejectReason };

/** What the registry said about a thumbprint. */
export type RegistryAnswer =
  | { readonly state: 'none' }
  | { readonly state: 'entry'; readonly verdict: RegistryVerdict }
  | { readonly state: 'malformed' };

/** Checks that need no registry: refusal, or the certificate is worth a registry look-up. */
export function precheck(
  analysis: ClientCertificateAnalysis | undefined,
  now: Date,
): { readonly reject: RejectReason } | { readonly lookup: string } {
  if (!analysis) return { reject: 'no-certificate' };
  if (!analysis.ok) return { reject: analysis.reason };
  if (!isWithinValidity(analysis.cert, now)) return { reject: 'outside-validity' };
  if (
    analysis.kind === 'ca-signed' &&
    (!analysis.verifiedBy ||
      !isWithinValidity(analysis.verifiedBy, now) ||
      !analysis.through.every((intermediate) => isWithinValidity(intermediate, now)))
  ) {
    return { reject: 'not-issued-by-trusted-ca' };
  }
  return { lookup: analysis.cert.thumbprint };
}

/** The outcome for a certificate that passed `precheck`, given the registry's answer. */
export function decide(kind: CertificateKind, answer: RegistryAnswer, policy: CaSignedPolicy): Decision {
  if (answer.state === 'malformed') return { forward: false, reason: 'registry-entry-malformed' };
  if (kind === 'self-signed') {
    return answer.state === 'entry' &&
      answer.verdict.kind === 'self-signed' &&
      answer.verdict.status === 'active'
      ? { forward: true, caVerified: 'FAILED' }
      : { forward: false, reason: 'self-signed-not-registered' };
  }
  if (answer.state === 'entry') {
    return answer.verdict.status === 'active'
      ? { forward: true, caVerified: 'SUCCESS' }
      : { forward: false, reason: 'revoked' };
  }
  return policy === 'any'
    ? { forward: true, caVerified: 'SUCCESS' }
    : { forward: false, reason: 'ca-signed-not-registered' };
}
