import { auditDrift, isDisagreement, type Auth0Snapshot, type DriftRow } from '../../cli/auth0/drift';
import type { Auth0ClientView, Auth0Credential } from '../../cli/auth0/tenant';
import type { RegistryEntry } from '../../shared/registry-model';

const NOW = new Date('2026-06-01T00:00:00Z');
const LATER = '2027-06-01T00:00:00.000Z';
const SOON = '2026-06-10T00:00:00.000Z';
const options = { now: NOW, days: 30, caSignedPolicy: 'registered' as const };

const T1 = 'A'.repeat(43);
const T2 = 'B'.repeat(43);
const T3 = 'C'.repeat(43);

function entry(thumbprint: string, patch: Partial<RegistryEntry> = {}): RegistryEntry {
  return {
    thumbprint,
    kind: 'self-signed',
    status: 'active',
    subject: `CN=${thumbprint[0]}`,
    notAfter: LATER,
    ...patch,
  };
}

function snapshot(
  clients: { id: string; enabled: Record<string, string[]>; credentials: Auth0Credential[] }[],
): Auth0Snapshot {
  return {
    clients: clients.map((c): Auth0ClientView => ({ clientId: c.id, enabled: c.enabled })),
    credentials: new Map(clients.map((c) => [c.id, c.credentials])),
  };
}

const x509 = (id: string, thumbprint: string): Auth0Credential => ({
  id,
  type: 'x509_cert',
  thumbprint,
  expiresAt: LATER,
});
const dn = (id: string, subjectDn: string): Auth0Credential => ({ id, type: 'cert_subject_dn', subjectDn });

function only(rows: DriftRow[]): DriftRow {
  expect(rows).toHaveLength(1);
  return rows[0] as DriftRow;
}

describe('auditDrift', () => {
  it('an active self-signed entry with its x509_cert credential enabled agrees', () => {
    const row = only(
      auditDrift(
        [entry(T1)],
        snapshot([
          { id: 'c1', enabled: { self_signed_tls_client_auth: ['cred1'] }, credentials: [x509('cred1', T1)] },
        ]),
        options,
      ),
    );
    expect(row).toMatchObject({
      status: 'agree',
      thumbprint: T1,
      auth0: [{ clientId: 'c1', credentialId: 'cred1' }],
    });
    expect(isDisagreement(row)).toBe(false);
  });

  it('an active entry without an enabled credential is only at the edge, naming a dormant credential', () => {
    const row = only(
      auditDrift(
        [entry(T1)],
        snapshot([
          { id: 'c1', enabled: { self_signed_tls_client_auth: [] }, credentials: [x509('cred1', T1)] },
        ]),
        options,
      ),
    );
    expect(row.status).toBe('only-at-edge');
    expect(row.note).toContain('cred1 on c1, not enabled');
  });

  it('an enabled credential without an entry is only in Auth0', () => {
    const row = only(
      auditDrift(
        [],
        snapshot([
          { id: 'c1', enabled: { self_signed_tls_client_auth: ['cred1'] }, credentials: [x509('cred1', T2)] },
        ]),
        options,
      ),
    );
    expect(row).toMatchObject({ status: 'only-in-auth0', kind: 'self-signed', thumbprint: T2 });
  });

  it('a revoked entry whose credential is still enabled is flagged; once disabled, both sides agree', () => {
    const enabled = snapshot([
      { id: 'c1', enabled: { self_signed_tls_client_auth: ['cred1'] }, credentials: [x509('cred1', T1)] },
    ]);
    expect(only(auditDrift([entry(T1, { status: 'revoked' })], enabled, options)).status).toBe(
      'revoked-at-edge-enabled-in-auth0',
    );
    const disabled = snapshot([
      { id: 'c1', enabled: { self_signed_tls_client_auth: [] }, credentials: [x509('cred1', T1)] },
    ]);
    expect(only(auditDrift([entry(T1, { status: 'revoked' })], disabled, options)).status).toBe('agree');
  });

  it('CA-signed entries match cert_subject_dn credentials by DN across the two DN forms', () => {
    const row = only(
      auditDrift(
        [entry(T1, { kind: 'ca-signed', subject: 'C=JP, O=Client, CN=client.example.org' })],
        snapshot([
          {
            id: 'c1',
            enabled: { tls_client_auth: ['cred1'] },
            credentials: [dn('cred1', 'C=JP\nO=Client\nCN=client.example.org')],
          },
        ]),
        options,
      ),
    );
    expect(row.status).toBe('agree');
  });

  it('a revoked CA-signed entry agrees while its DN credential serves another active certificate', () => {
    const rows = auditDrift(
      [
        entry(T1, { kind: 'ca-signed', status: 'revoked', subject: 'CN=client' }),
        entry(T2, { kind: 'ca-signed', subject: 'CN=client' }),
      ],
      snapshot([
        { id: 'c1', enabled: { tls_client_auth: ['cred1'] }, credentials: [dn('cred1', 'CN=client')] },
      ]),
      options,
    );
    expect(rows.map((r) => [r.thumbprint, r.status])).toEqual([
      [T1, 'agree'],
      [T2, 'agree'],
    ]);
    expect(rows[0]?.note).toContain(T2);
  });

  it('a lone DN credential is only in Auth0 under CA_SIGNED_POLICY=registered, agrees under any', () => {
    const auth0 = snapshot([
      { id: 'c1', enabled: { tls_client_auth: ['cred1'] }, credentials: [dn('cred1', 'CN=x')] },
    ]);
    expect(only(auditDrift([], auth0, options)).status).toBe('only-in-auth0');
    expect(only(auditDrift([], auth0, { ...options, caSignedPolicy: 'any' })).status).toBe('agree');
  });

  it('a credential under the other kind’s method does not stand for an entry', () => {
    const rows = auditDrift(
      [entry(T1)],
      snapshot([{ id: 'c1', enabled: { tls_client_auth: ['cred1'] }, credentials: [x509('cred1', T1)] }]),
      options,
    );
    expect(rows.map((r) => r.status).sort()).toEqual(['only-at-edge', 'only-in-auth0']);
  });

  it('flags active certificates expiring within the window, not revoked ones', () => {
    const rows = auditDrift(
      [entry(T1, { notAfter: SOON }), entry(T2, { notAfter: SOON, status: 'revoked' }), entry(T3)],
      snapshot([]),
      options,
    );
    expect(rows.map((r) => [r.thumbprint, r.expiring])).toEqual([
      [T1, true],
      [T2, false],
      [T3, false],
    ]);
    expect(
      auditDrift([entry(T1, { notAfter: SOON })], snapshot([]), { ...options, days: 5 })[0]?.expiring,
    ).toBe(false);
  });

  it('private_key_jwt credentials are no business of the audit', () => {
    const rows = auditDrift(
      [],
      snapshot([
        { id: 'c1', enabled: { private_key_jwt: ['k1'] }, credentials: [{ id: 'k1', type: 'public_key' }] },
      ]),
      options,
    );
    expect(rows).toEqual([]);
  });
});
