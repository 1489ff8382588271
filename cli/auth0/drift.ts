/**
 * Where the edge's registry and Auth0's mTLS credentials disagree, per certificate. Pure: the audit
 * command gathers both sides and prints the rows.
 *
 * A credential counts when it is enabled under an mTLS method of a client: `self_signed_tls_client_auth`
 * stands for self-signed entries, `tls_client_auth` for CA-signed ones. An `x509_cert` credential matches
 * an entry by thumbprint, a `cert_subject_dn` credential by subject DN (in `canonicalDn` form).
 */
import { canonicalDn, type CertificateKind } from '../../shared/certificate';
import type { CaSignedPolicy } from '../../shared/contracts/proxy';
import type { RegistryEntry, RegistryStatus } from '../../shared/registry-model';
import type { Auth0ClientView, Auth0Credential, MtlsMethod } from './tenant';

export type DriftStatus = 'agree' | 'only-in-auth0' | 'only-at-edge' | 'revoked-at-edge-enabled-in-auth0';

/** How each status reads in the summary. */
export const DRIFT_LABELS: Record<DriftStatus, string> = {
  agree: 'agree',
  'only-in-auth0': 'only in Auth0',
  'only-at-edge': 'only at the edge',
  'revoked-at-edge-enabled-in-auth0': 'revoked at the edge but enabled in Auth0',
};

export interface Auth0Side {
  readonly clientId: string;
  readonly credentialId: string;
  /** `x509_cert` or `cert_subject_dn`. */
  readonly type: string;
  readonly method: MtlsMethod;
}

export interface DriftRow {
  readonly status: DriftStatus;
  readonly kind: CertificateKind;
  /** The edge entry's thumbprint, or an `x509_cert` credential's. */
  readonly thumbprint?: string;
  /** Subject DN on one line (`C=…, O=…, CN=…`), when known. */
  readonly subject?: string;
  readonly edge?: { readonly status: RegistryStatus; readonly clientId?: string };
  /** Enabled Auth0 credentials standing for this certificate. */
  readonly auth0: readonly Auth0Side[];
  /** ISO 8601: the certificate's (edge) or the credential's (Auth0 only) expiry. */
  readonly notAfter?: string;
  /** In use and expiring within the audit's window (or expired already). */
  readonly expiring: boolean;
  readonly note?: string;
}

export interface Auth0Snapshot {
  readonly clients: readonly Auth0ClientView[];
  /** Credentials per client id. */
  readonly credentials: ReadonlyMap<string, readonly Auth0Credential[]>;
}

export interface DriftOptions {
  readonly now: Date;
  /** Rows whose certificate expires within this many days are flagged `expiring`. */
  readonly days: number;
  /** Under `any` the edge admits CA-verified certificates without an entry, so a lone DN credential agrees. */
  readonly caSignedPolicy: CaSignedPolicy;
}

const KIND_OF_METHOD: Record<MtlsMethod, CertificateKind> = {
  self_signed_tls_client_auth: 'self-signed',
  tls_client_auth: 'ca-signed',
};

interface Enabled {
  readonly client: Auth0ClientView;
  readonly credential: Auth0Credential;
  readonly method: MtlsMethod;
}

function oneLine(dn: string): string {
  return canonicalDn(dn).split('\n').join(', ');
}

function matches(enabled: Enabled, entry: RegistryEntry): boolean {
  if (KIND_OF_METHOD[enabled.method] !== entry.kind) return false;
  const { credential } = enabled;
  if (credential.type === 'x509_cert') return credential.thumbprint === entry.thumbprint;
  if (credential.type === 'cert_subject_dn') return credential.subjectDn === canonicalDn(entry.subject);
  return false;
}

function sideOf(e: Enabled): Auth0Side {
  return {
    clientId: e.client.clientId,
    credentialId: e.credential.id,
    type: e.credential.type,
    method: e.method,
  };
}

function expiringBy(notAfter: string | undefined, options: DriftOptions): boolean {
  if (!notAfter) return false;
  const at = Date.parse(notAfter);
  return !Number.isNaN(at) && at <= options.now.getTime() + options.days * 86_400_000;
}

/** A credential no method enables: inert, but worth naming next to an edge entry that lacks one. */
interface Idle {
  readonly clientId: string;
  readonly credentialId: string;
}

function enabledCredentials(snapshot: Auth0Snapshot): { enabled: Enabled[]; idle: Map<string, Idle[]> } {
  const enabled: Enabled[] = [];
  const idle = new Map<string, Idle[]>();
  for (const client of snapshot.clients) {
    const credentials = snapshot.credentials.get(client.clientId) ?? [];
    for (const method of Object.keys(KIND_OF_METHOD) as MtlsMethod[]) {
      const ids = client.enabled[method];
      if (ids === undefined) continue;
      for (const credential of credentials) {
        if (ids.includes(credential.id)) enabled.push({ client, credential, method });
      }
    }
    for (const credential of credentials) {
      if (!Object.values(client.enabled).some((ids) => ids.includes(credential.id))) {
        const key = credential.thumbprint ?? credential.subjectDn ?? credential.id;
        idle.set(key, [...(idle.get(key) ?? []), { clientId: client.clientId, credentialId: credential.id }]);
      }
    }
  }
  return { enabled, idle };
}

/** One row per edge entry, then one per enabled Auth0 credential that no entry accounts for. */
export function auditDrift(
  entries: readonly RegistryEntry[],
  snapshot: Auth0Snapshot,
  options: DriftOptions,
): DriftRow[] {
  const { enabled, idle } = enabledCredentials(snapshot);
  const used = new Set<Enabled>();
  const rows: DriftRow[] = [];
  const activeByDn = new Map<string, RegistryEntry>();
  for (const e of entries) {
    if (e.kind === 'ca-signed' && e.status === 'active') activeByDn.set(canonicalDn(e.subject), e);
  }

  for (const entry of entries) {
    const found = enabled.filter((e) => matches(e, entry));
    found.forEach((e) => used.add(e));
    const base = {
      kind: entry.kind,
      thumbprint: entry.thumbprint,
      subject: oneLine(entry.subject),
      edge: { status: entry.status, ...(entry.clientId !== undefined ? { clientId: entry.clientId } : {}) },
      auth0: found.map(sideOf),
      notAfter: entry.notAfter,
      expiring: entry.status === 'active' && expiringBy(entry.notAfter, options),
    };
    if (entry.status === 'active') {
      if (found.length > 0) {
        rows.push({ status: 'agree', ...base });
        continue;
      }
      const dormant = idle.get(entry.kind === 'self-signed' ? entry.thumbprint : canonicalDn(entry.subject));
      rows.push({
        status: 'only-at-edge',
        ...base,
        ...(dormant?.length
          ? {
              note: `Auth0 has ${dormant.map((d) => `${d.credentialId} on ${d.clientId}`).join(', ')}, not enabled`,
            }
          : {}),
      });
      continue;
    }
    if (found.length === 0) {
      rows.push({ status: 'agree', ...base });
      continue;
    }
    // A DN credential still serves another active certificate with the same subject: the edge refuses
    // this one by thumbprint, and that is all revocation needs.
    const sibling = entry.kind === 'ca-signed' ? activeByDn.get(canonicalDn(entry.subject)) : undefined;
    if (sibling && found.every((e) => e.credential.type === 'cert_subject_dn')) {
      rows.push({
        status: 'agree',
        ...base,
        note: `its DN credential serves active certificate ${sibling.thumbprint}`,
      });
    } else {
      rows.push({ status: 'revoked-at-edge-enabled-in-auth0', ...base });
    }
  }

  for (const e of enabled) {
    if (used.has(e)) continue;
    const kind = KIND_OF_METHOD[e.method];
    const policyAny =
      kind === 'ca-signed' && e.credential.type === 'cert_subject_dn' && options.caSignedPolicy === 'any';
    rows.push({
      status: policyAny ? 'agree' : 'only-in-auth0',
      kind,
      ...(e.credential.thumbprint ? { thumbprint: e.credential.thumbprint } : {}),
      ...(e.credential.subjectDn ? { subject: oneLine(e.credential.subjectDn) } : {}),
      auth0: [sideOf(e)],
      ...(e.credential.expiresAt ? { notAfter: e.credential.expiresAt } : {}),
      expiring: expiringBy(e.credential.expiresAt, options),
      ...(policyAny ? { note: 'no entry needed: CA_SIGNED_POLICY=any admits CA-verified certificates' } : {}),
    });
  }
  return rows;
}

export function isDisagreement(row: DriftRow): boolean {
  return row.status !== 'agree';
}
