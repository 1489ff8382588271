/** `revoke`, `remove`, `show` and `list`. */
import {
  CERTIFICATE_KINDS,
  isCertificateKind,
  normalizeThumbprint,
  type InspectedCertificate,
} from '../../shared/certificate';
import { REGISTRY_STATUSES, isRegistryStatus, type RegistryEntry } from '../../shared/registry-model';
import {
  getEntry,
  removeEntry,
  revokeEntry,
  scanRegistryContents,
  type RegistryContents,
} from '../../shared/registry-store';
import { assembleFromRegistry, type Exclusion } from '../../shared/truststore-registry';
import { CA_HELP, CA_OPTION, caBundleView } from '../truststore-view';
import { AUTH0_CLIENT_HELP, AUTH0_CLIENT_OPTION, auth0ClientOf, offboardInAuth0 } from '../auth0/sync';
import type { Context } from '../context';
import { EXIT_FAILURE, EXIT_OK, failure, usageError } from '../errors';
import { describe, readCertificateFile } from '../files';
import { afterRevoke } from '../next-steps';
import { tableLines } from '../table';
import type { Command, Values } from './spec';

interface Target {
  readonly thumbprint: string;
  readonly cert?: InspectedCertificate;
  /** How to name it in messages. */
  readonly label: string;
  /** The option that named it, to repeat in a command we print: `--cert FILE` or `--thumbprint T`. */
  readonly option: string;
}

/** Exactly one of `--cert FILE` or `--thumbprint T`. */
function target(ctx: Context, command: string, values: Values): Target {
  const file = values.cert as string | undefined;
  const thumbprint = values.thumbprint as string | undefined;
  if ((file === undefined) === (thumbprint === undefined)) {
    throw usageError(`${command}: give exactly one of --cert FILE or --thumbprint T`);
  }
  if (file !== undefined) {
    const cert = readCertificateFile(file, ctx.cwd);
    return {
      thumbprint: cert.thumbprint,
      cert,
      label: `${file} (${describe(cert)})`,
      option: `--cert ${file}`,
    };
  }
  const normalized = normalizeThumbprint(thumbprint as string);
  if (!normalized) {
    throw usageError(
      `${command}: --thumbprint ${thumbprint}: not an x5t#S256 thumbprint (43 base64url characters) or a SHA-256 fingerprint (64 hex digits)`,
    );
  }
  return { thumbprint: normalized, label: `thumbprint ${normalized}`, option: `--thumbprint ${normalized}` };
}

const TARGET_OPTIONS = { cert: { type: 'string' }, thumbprint: { type: 'string' } } as const;
const OFFBOARD_OPTIONS = { ...TARGET_OPTIONS, ...AUTH0_CLIENT_OPTION } as const;
const TARGET_HELP = [
  '  --cert FILE       the certificate (PEM or DER)',
  '  --thumbprint T    its x5t#S256 (base64url) or SHA-256 fingerprint (hex, colons allowed, as',
  '                    `openssl x509 -noout -fingerprint -sha256` prints it)',
];

function summaryOf(entry: RegistryEntry): string {
  const client = entry.clientId !== undefined ? `, client id ${entry.clientId}` : '';
  return `${entry.subject}, thumbprint ${entry.thumbprint}, ${entry.kind}, ${entry.status}${client}`;
}

export const revokeCommand: Command = {
  name: 'revoke',
  usage: 'edge-certs revoke (--cert FILE | --thumbprint T) [--auth0-client ID]',
  summary: 'set status=revoked (records a revoked entry from --cert when there is none)',
  details: [
    'The proxy refuses a revoked certificate within its registry cache lifetime (30 s by default); the',
    'truststore builder (or the local edge) then drops a revoked self-signed certificate from the truststore.',
    'Exit 1 when --thumbprint names no entry (give --cert to record one).',
    '',
    ...TARGET_HELP,
    ...AUTH0_CLIENT_HELP,
    '                    after the edge refuses it: its credential is disabled and deleted (a',
    '                    cert_subject_dn one stays while another active certificate has its DN)',
  ],
  options: OFFBOARD_OPTIONS,
  usesRegistry: true,
  async run(ctx, values) {
    const t = target(ctx, 'revoke', values);
    const auth0Client = auth0ClientOf(values, 'revoke');
    const result = await revokeEntry(ctx.dynamodb(), await ctx.table(), t.thumbprint, {
      cert: t.cert,
      now: ctx.now(),
    });
    if (result.outcome === 'not-found') {
      throw failure(`revoke: no registry entry for ${t.label}; give --cert FILE to record it as revoked`);
    }
    const lead = {
      'already-revoked': 'already revoked',
      created: 'recorded as revoked (no entry existed)',
      revoked: 'revoked',
    }[result.outcome];
    ctx.out(`${lead}: ${summaryOf(result.entry)}`);
    if (auth0Client !== undefined) {
      await offboardInAuth0(ctx, {
        command: 'revoke',
        clientId: auth0Client,
        kind: result.entry.kind,
        thumbprint: t.thumbprint,
        subject: result.entry.subject,
        edgeState: `thumbprint ${t.thumbprint} is revoked (the edge refuses it)`,
        completeWith: `edge-certs revoke ${t.option} --auth0-client ${auth0Client}`,
      });
    }
    if (result.outcome === 'revoked') {
      for (const line of afterRevoke(ctx.registryHost(), result.entry.kind)) ctx.out(line);
    }
    return EXIT_OK;
  },
};

/** `remove --auth0-client`: the edge refuses (revoked), Auth0 lets go, then the entry goes. */
async function removeOnBothSides(ctx: Context, t: Target, clientId: string): Promise<number> {
  const table = await ctx.table();
  const revoked = await revokeEntry(ctx.dynamodb(), table, t.thumbprint, { cert: t.cert, now: ctx.now() });
  const entry = revoked.outcome === 'not-found' ? undefined : revoked.entry;
  const hadCredential = await offboardInAuth0(ctx, {
    command: 'remove',
    clientId,
    // Without an entry or --cert only an x509_cert credential can be found (by thumbprint).
    kind: entry?.kind ?? 'self-signed',
    thumbprint: t.thumbprint,
    subject: entry?.subject,
    edgeState: entry
      ? `thumbprint ${t.thumbprint} is revoked (the edge refuses it), not removed yet`
      : `no entry for thumbprint ${t.thumbprint}`,
    completeWith: `edge-certs remove ${t.option} --auth0-client ${clientId}`,
  });
  const removed = await removeEntry(ctx.dynamodb(), table, t.thumbprint);
  // An entry recorded just now (from --cert, so the edge refused it meanwhile) was not the operator's.
  const hadEntry = removed !== undefined && revoked.outcome !== 'created';
  if (!hadEntry && !hadCredential) {
    throw failure(`remove: no registry entry and no credential on Auth0 client ${clientId} for ${t.label}`);
  }
  ctx.out(
    hadEntry
      ? `removed: ${summaryOf(removed)}`
      : `no registry entry for ${t.label}: nothing to remove at the edge`,
  );
  return EXIT_OK;
}

export const removeCommand: Command = {
  name: 'remove',
  usage: 'edge-certs remove (--cert FILE | --thumbprint T) [--auth0-client ID]',
  summary: 'delete the entry (and free its subject DN)',
  details: [
    'A removed self-signed certificate is refused again (it has no entry); a removed CA-signed one is',
    'accepted again under CA_SIGNED_POLICY=any: revoke, do not remove, a compromised CA-signed certificate.',
    'Exit 1 when there is no entry.',
    '',
    ...TARGET_HELP,
    ...AUTH0_CLIENT_HELP,
    '                    the entry is revoked first (the edge refuses it), then the credential is',
    '                    disabled and deleted in Auth0, then the entry is deleted; exit 1 only when',
    '                    neither side had it. Also reverts a half-done register/allow --auth0-client',
  ],
  options: OFFBOARD_OPTIONS,
  usesRegistry: true,
  async run(ctx, values) {
    const t = target(ctx, 'remove', values);
    const auth0Client = auth0ClientOf(values, 'remove');
    if (auth0Client !== undefined) return removeOnBothSides(ctx, t, auth0Client);
    const removed = await removeEntry(ctx.dynamodb(), await ctx.table(), t.thumbprint);
    if (!removed) throw failure(`remove: no registry entry for ${t.label}`);
    ctx.out(`removed: ${summaryOf(removed)}`);
    return EXIT_OK;
  },
};

/**
 * The registry entries the truststore leaves out and why, by thumbprint (the builder's rule against the
 * CA bundle in view), or undefined when no CA bundle is in view.
 */
async function exclusionsInView(
  ctx: Context,
  caFile: string | undefined,
  contents: RegistryContents,
): Promise<
  { readonly byThumbprint: Map<string, Exclusion>; readonly all: readonly Exclusion[] } | undefined
> {
  const view = await caBundleView(ctx, caFile, contents.entries);
  if (!view) return undefined;
  const built = assembleFromRegistry(view.pem, contents, { now: ctx.now(), bundleName: view.bundleName });
  if (!built.ok) {
    ctx.err(
      `edge-certs: note: ${view.bundleName} itself fails the truststore checks (${built.errors.map((e) => e.message).join('; ')})`,
    );
  }
  return { byThumbprint: new Map(built.excluded.map((e) => [e.thumbprint, e])), all: built.excluded };
}

function exclusionField(exclusion: Exclusion | undefined): {
  truststoreExclusion?: { code: string; reason: string };
} {
  return exclusion ? { truststoreExclusion: { code: exclusion.code, reason: exclusion.reason } } : {};
}

function printEntry(ctx: Context, entry: RegistryEntry, truststore?: string): void {
  const rows: [string, string | undefined][] = [
    ['thumbprint', entry.thumbprint],
    ['kind', entry.kind],
    ['status', entry.status],
    ['subject', entry.subject],
    ['not after', entry.notAfter],
    ['client id', entry.clientId],
    ['created', entry.createdAt],
    ['updated', entry.updatedAt],
    [
      'deleted after',
      entry.expiresAt !== undefined ? `${new Date(entry.expiresAt * 1000).toISOString()} (TTL)` : undefined,
    ],
    ['truststore', truststore],
  ];
  for (const [name, value] of rows) if (value !== undefined) ctx.out(`${name.padEnd(14)}${value}`);
  if (entry.pem) ctx.out(entry.pem.trimEnd());
}

export const showCommand: Command = {
  name: 'show',
  usage: 'edge-certs show (--cert FILE | --thumbprint T) [--json]',
  summary: 'print the entry; exit 1 when there is none',
  details: [
    'For an active self-signed entry, with the CA bundle in view: whether the truststore holds it, or',
    'leaves it out and why.',
    '',
    ...TARGET_HELP,
    '  --json            print the entry as one JSON object',
    ...CA_HELP,
  ],
  options: { ...TARGET_OPTIONS, json: { type: 'boolean' }, ...CA_OPTION },
  usesRegistry: true,
  async run(ctx, values) {
    const t = target(ctx, 'show', values);
    const table = await ctx.table();
    const entry = await getEntry(ctx.dynamodb(), table, t.thumbprint);
    if (!entry) {
      ctx.err(`edge-certs: show: no registry entry for ${t.label}`);
      return EXIT_FAILURE;
    }
    const feedsTruststore = entry.kind === 'self-signed' && entry.status === 'active';
    const exclusions = feedsTruststore
      ? await exclusionsInView(
          ctx,
          values.ca as string | undefined,
          await scanRegistryContents(ctx.dynamodb(), table),
        )
      : undefined;
    const exclusion = exclusions?.byThumbprint.get(entry.thumbprint);
    if (values.json) ctx.out(JSON.stringify({ ...entry, ...exclusionField(exclusion) }, null, 2));
    else {
      const truststore = exclusions
        ? exclusion
          ? `LEFT OUT: ${exclusion.reason}`
          : 'in the truststore'
        : undefined;
      printEntry(ctx, entry, truststore);
    }
    return EXIT_OK;
  },
};

export const listCommand: Command = {
  name: 'list',
  usage: 'edge-certs list [--client-id ID] [--kind self-signed|ca-signed] [--status active|revoked] [--json]',
  summary: 'every entry, as a table (or one JSON array with --json)',
  details: [
    '  --client-id ID    only the certificates of this Auth0 client',
    '  --kind K          self-signed or ca-signed',
    '  --status S        active or revoked',
    '  --json            print one JSON array of entries (with their PEMs)',
    ...CA_HELP,
    '',
    'With the CA bundle in view, the entries the truststore leaves out are listed after the table, each',
    'with the reason (with --json: a truststoreExclusion field).',
  ],
  options: {
    'client-id': { type: 'string' },
    kind: { type: 'string' },
    status: { type: 'string' },
    json: { type: 'boolean' },
    ...CA_OPTION,
  },
  usesRegistry: true,
  async run(ctx, values) {
    const kind = values.kind as string | undefined;
    const status = values.status as string | undefined;
    const clientId = values['client-id'] as string | undefined;
    if (kind !== undefined && !isCertificateKind(kind)) {
      throw usageError(`list: --kind ${kind}: expected ${CERTIFICATE_KINDS.join(' or ')}`);
    }
    if (status !== undefined && !isRegistryStatus(status)) {
      throw usageError(`list: --status ${status}: expected ${REGISTRY_STATUSES.join(' or ')}`);
    }
    const contents = await scanRegistryContents(ctx.dynamodb(), await ctx.table());
    const exclusions = await exclusionsInView(ctx, values.ca as string | undefined, contents);
    const entries = [...contents.entries]
      .filter((e) => kind === undefined || e.kind === kind)
      .filter((e) => status === undefined || e.status === status)
      .filter((e) => clientId === undefined || e.clientId === clientId)
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject));
    if (values.json) {
      const annotated = entries.map((e) => ({
        ...e,
        ...exclusionField(exclusions?.byThumbprint.get(e.thumbprint)),
      }));
      ctx.out(JSON.stringify(annotated, null, 2));
      return EXIT_OK;
    }
    // Items too incomplete to be entries show up here only (no filter can select them).
    const filtered = kind !== undefined || status !== undefined || clientId !== undefined;
    const shown = new Set(entries.map((e) => e.thumbprint));
    const leftOut = (exclusions?.all ?? []).filter(
      (e) => shown.has(e.thumbprint) || (!filtered && e.code === 'incomplete'),
    );
    const printLeftOut = (): void => {
      if (leftOut.length === 0) return;
      ctx.out(`left out of the truststore (${leftOut.length}):`);
      for (const e of leftOut) ctx.out(`  ${e.thumbprint}  ${e.subject ?? '(no subject)'}: ${e.reason}`);
    };
    if (entries.length === 0) {
      ctx.out('no entries');
      printLeftOut();
      return EXIT_OK;
    }
    const rows = [
      ['THUMBPRINT', 'KIND', 'STATUS', 'NOT AFTER', 'CLIENT ID', 'SUBJECT'],
      ...entries.map((e) => [
        e.thumbprint,
        e.kind,
        e.status,
        e.notAfter.slice(0, 10),
        e.clientId ?? '-',
        e.subject,
      ]),
    ];
    for (const line of tableLines(rows)) ctx.out(line);
    ctx.out(`${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}`);
    printLeftOut();
    return EXIT_OK;
  },
};
