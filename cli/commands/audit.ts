/** `audit`: per certificate, whether the edge's registry and Auth0's mTLS credentials agree. */
import {
  AUTH0_ENV,
  AUTH0_SCOPES,
  AUTH0_SECRET_KEYS,
  AUTH0_SWITCH_SCOPE,
} from '../../shared/contracts/auth0-management';
import {
  CA_SIGNED_POLICIES,
  PROXY_DEFAULTS,
  PROXY_ENV,
  type CaSignedPolicy,
} from '../../shared/contracts/proxy';
import { scanRegistry } from '../../shared/registry-store';
import { DRIFT_LABELS, auditDrift, isDisagreement, type DriftRow, type DriftStatus } from '../auth0/drift';
import { describeAuth0Error, type Auth0Credential } from '../auth0/tenant';
import type { Context } from '../context';
import { CliError, EXIT_FAILURE, EXIT_OK, failure, usageError } from '../errors';
import { tableLines } from '../table';
import type { Command } from './spec';

const DEFAULT_DAYS = 30;

/** The Management API's configuration, shared by every `--auth0-client` command's help. */
export const AUTH0_CONFIG_HELP = [
  'The Auth0 Management API is reached with an M2M application (client credentials), configured by',
  `${AUTH0_ENV.domain} (the tenant domain, e.g. acme.eu.auth0.com), ${AUTH0_ENV.clientId} and ${AUTH0_ENV.clientSecret}, or by`,
  `${AUTH0_ENV.secretId}: a Secrets Manager secret holding JSON {"${AUTH0_SECRET_KEYS.clientId}", "${AUTH0_SECRET_KEYS.clientSecret}", "${AUTH0_SECRET_KEYS.domain}"}.`,
  'The secret is never taken from the command line and never printed. Scopes the application needs:',
  ...Object.entries(AUTH0_SCOPES).map(([scope, why]) => `  ${scope.padEnd(26)}${why}`),
  `  ${AUTH0_SWITCH_SCOPE.padEnd(26)}only for --auth0-switch-to-mtls (clears token_endpoint_auth_method)`,
  'Rate limits (429) are retried with backoff, as Auth0 says when (X-RateLimit-Reset / Retry-After).',
  '',
];

function daysOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DAYS;
  if (!/^\d{1,4}$/.test(value)) throw usageError(`audit: --days ${value}: expected a whole number of days`);
  return Number(value);
}

function policyOf(value: string | undefined, env: Context['io']['env']): CaSignedPolicy {
  const chosen = value ?? env[PROXY_ENV.caSignedPolicy] ?? PROXY_DEFAULTS.caSignedPolicy;
  if (!(CA_SIGNED_POLICIES as readonly string[]).includes(chosen)) {
    throw usageError(`audit: --ca-signed-policy ${chosen}: expected ${CA_SIGNED_POLICIES.join(' or ')}`);
  }
  return chosen as CaSignedPolicy;
}

function auth0Cell(row: DriftRow): string {
  return row.auth0.length === 0 ? '-' : row.auth0.map((a) => `${a.clientId}/${a.credentialId}`).join(' ');
}

function print(ctx: Context, rows: readonly DriftRow[], days: number): void {
  if (rows.length > 0) {
    const table = [
      ['STATUS', 'KIND', 'CERTIFICATE', 'EDGE', 'AUTH0 (client/credential)', 'NOT AFTER', 'NOTE'],
      ...rows.map((r) => [
        r.status + (r.expiring ? ' +expiring' : ''),
        r.kind,
        r.thumbprint ?? r.subject ?? '-',
        r.edge ? `${r.edge.status}${r.edge.clientId ? ` (${r.edge.clientId})` : ''}` : '-',
        auth0Cell(r),
        r.notAfter?.slice(0, 10) ?? '-',
        r.note ?? (r.thumbprint && r.subject ? r.subject : ''),
      ]),
    ];
    for (const line of tableLines(table)) ctx.out(line);
  }
  const counts = (Object.keys(DRIFT_LABELS) as DriftStatus[])
    .map((status) => [status, rows.filter((r) => r.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${DRIFT_LABELS[status]}`);
  const expiring = rows.filter((r) => r.expiring).length;
  ctx.out(
    `audit: ${rows.length} certificate(s)${counts.length ? `: ${counts.join(', ')}` : ''}; ${expiring} expiring within ${days} days`,
  );
  ctx.out(
    rows.some(isDisagreement) ? 'result: DRIFT (the two sides disagree)' : 'result: OK (the two sides agree)',
  );
}

const ORDER: readonly DriftStatus[] = [
  'revoked-at-edge-enabled-in-auth0',
  'only-in-auth0',
  'only-at-edge',
  'agree',
];

export const auditCommand: Command = {
  name: 'audit',
  usage: 'edge-certs audit [--days N] [--ca-signed-policy any|registered] [--json]',
  summary: "compare the registry with Auth0's mTLS credentials per certificate; exit 1 on any disagreement",
  details: [
    'Reads every registry entry and every Auth0 client with an mTLS method (all pages) and its',
    'credentials. Per certificate: agree, only in Auth0, only at the edge, or revoked at the edge but',
    'enabled in Auth0; expiring within N days is flagged too (without changing the exit status).',
    'Self-signed: x509_cert credentials under self_signed_tls_client_auth, matched by SHA-256 thumbprint.',
    'CA-signed: cert_subject_dn credentials under tls_client_auth, matched by subject DN.',
    'Exit 0 when both sides agree, 1 on any disagreement (or when a side cannot be read), 2 on bad input.',
    '',
    '  --days N          flag certificates expiring within N days (default 30)',
    `  --ca-signed-policy P  the proxy's CA_SIGNED_POLICY (default: $${PROXY_ENV.caSignedPolicy}, else ${PROXY_DEFAULTS.caSignedPolicy}):`,
    '                    under any, a cert_subject_dn credential needs no registry entry',
    '  --json            print one JSON object (summary and rows) for monitoring',
    '',
    ...AUTH0_CONFIG_HELP,
  ],
  options: { days: { type: 'string' }, 'ca-signed-policy': { type: 'string' }, json: { type: 'boolean' } },
  usesRegistry: true,
  async run(ctx, values) {
    const days = daysOf(values.days as string | undefined);
    const caSignedPolicy = policyOf(values['ca-signed-policy'] as string | undefined, ctx.io.env);
    const table = await ctx.table();
    const entries = await scanRegistry(ctx.dynamodb(), table);
    const tenant = await ctx.auth0();
    let rows: DriftRow[];
    try {
      const clients = await tenant.mtlsClients();
      const credentials = new Map<string, Auth0Credential[]>();
      // One client at a time: the Management API's rate limit is per tenant.
      for (const client of clients)
        credentials.set(client.clientId, await tenant.credentials(client.clientId));
      rows = auditDrift(entries, { clients, credentials }, { now: ctx.now(), days, caSignedPolicy });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw failure(`audit: reading Auth0 (${tenant.domain}) failed: ${describeAuth0Error(error)}`);
    }
    rows.sort(
      (a, b) =>
        ORDER.indexOf(a.status) - ORDER.indexOf(b.status) ||
        a.kind.localeCompare(b.kind) ||
        (a.thumbprint ?? a.subject ?? '').localeCompare(b.thumbprint ?? b.subject ?? ''),
    );
    const ok = !rows.some(isDisagreement);
    if (values.json) {
      const summary = Object.fromEntries(
        (Object.keys(DRIFT_LABELS) as DriftStatus[]).map((s) => [
          s,
          rows.filter((r) => r.status === s).length,
        ]),
      );
      ctx.out(
        JSON.stringify(
          {
            ok,
            tenant: tenant.domain,
            table,
            generatedAt: ctx.now().toISOString(),
            expiringWithinDays: days,
            caSignedPolicy,
            summary: { ...summary, expiring: rows.filter((r) => r.expiring).length },
            certificates: rows,
          },
          null,
          2,
        ),
      );
    } else {
      print(ctx, rows, days);
    }
    return ok ? EXIT_OK : EXIT_FAILURE;
  },
};
