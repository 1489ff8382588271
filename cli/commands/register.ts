/** `register` (self-signed) and `allow` (CA-signed): one or many certificate files, with a summary. */
import { admissionFindings } from '../../shared/certificate-policy';
import type { CertificateKind, InspectedCertificate } from '../../shared/certificate';
import type { RegistryEntry } from '../../shared/registry-model';
import { allowCaSigned, registerSelfSigned, removeEntry } from '../../shared/registry-store';
import {
  AUTH0_CLIENT_HELP,
  AUTH0_REGISTER_OPTIONS,
  AUTH0_SWITCH_HELP,
  Auth0Onboarding,
  auth0ClientOf,
} from '../auth0/sync';
import type { Context } from '../context';
import { CliError, EXIT_OK, EXIT_USAGE } from '../errors';
import { describe, expandCertificatePaths, readCertificateFile } from '../files';
import { afterRegister } from '../next-steps';
import { CA_HELP, CA_OPTION, caBundleView, withoutCertificate } from '../truststore-view';
import { truststoreObjection } from '../../shared/truststore-registry';
import type { Command, Values } from './spec';

type Outcome = 'written' | 'unchanged' | 'refused';

interface Mode {
  readonly kind: CertificateKind;
  /** Past tense for the summary, e.g. `registered`. */
  readonly done: string;
  store(ctx: Context, table: string, cert: InspectedCertificate, clientId?: string): Promise<StoreResult>;
}

type StoreResult =
  | { readonly outcome: 'written' | 'unchanged'; readonly entry: RegistryEntry }
  | { readonly outcome: 'refused'; readonly reason: string };

const CLIENT_ID_NOTE = (entry: RegistryEntry): string =>
  entry.clientId !== undefined ? `, client id ${entry.clientId}` : '';

const REGISTER: Mode = {
  kind: 'self-signed',
  done: 'registered',
  async store(ctx, table, cert, clientId) {
    const result = await registerSelfSigned(ctx.dynamodb(), table, cert, { clientId, now: ctx.now() });
    switch (result.outcome) {
      case 'registered':
      case 'unchanged':
        return { outcome: result.outcome === 'registered' ? 'written' : 'unchanged', entry: result.entry };
      case 'conflict':
        return {
          outcome: 'refused',
          reason:
            result.entry.status === 'revoked'
              ? 'this certificate is revoked: remove it first (edge-certs remove --thumbprint …) to register it again'
              : `already recorded as ${result.entry.kind}, ${result.entry.status}`,
        };
      case 'duplicate-subject':
        return {
          outcome: 'refused',
          reason: result.entry
            ? `subject DN already registered by thumbprint ${result.holder} (${result.entry.status}); API Gateway refuses two certificates with one subject DN in a truststore`
            : `subject DN is being registered right now by thumbprint ${result.holder}`,
        };
    }
  },
};

const ALLOW: Mode = {
  kind: 'ca-signed',
  done: 'allowed',
  async store(ctx, table, cert, clientId) {
    const result = await allowCaSigned(ctx.dynamodb(), table, cert, { clientId, now: ctx.now() });
    if (result.outcome === 'allowed') return { outcome: 'written', entry: result.entry };
    if (result.outcome === 'unchanged') return { outcome: 'unchanged', entry: result.entry };
    return {
      outcome: 'refused',
      reason:
        result.entry.status === 'revoked'
          ? 'this certificate is revoked: remove it first (edge-certs remove --thumbprint …) to allow it again'
          : `already recorded as ${result.entry.kind}, ${result.entry.status}`,
    };
  },
};

async function run(mode: Mode, ctx: Context, values: Values): Promise<number> {
  const command = mode === REGISTER ? 'register' : 'allow';
  const paths = (values.cert as string[] | undefined) ?? [];
  if (paths.length === 0) throw new CliError(EXIT_USAGE, `${command}: --cert FILE is required`);
  const auth0Client = auth0ClientOf(values, command);
  const switchToMtls = Boolean(values['auth0-switch-to-mtls']);
  if (switchToMtls && auth0Client === undefined)
    throw new CliError(EXIT_USAGE, `${command}: --auth0-switch-to-mtls needs --auth0-client ID`);
  const clientId = (values['client-id'] as string | undefined) ?? auth0Client;
  if (clientId !== undefined && clientId.trim() === '')
    throw new CliError(EXIT_USAGE, '--client-id must not be empty');
  if (auth0Client !== undefined && clientId !== auth0Client)
    throw new CliError(EXIT_USAGE, `${command}: --client-id and --auth0-client name different clients`);
  const files = expandCertificatePaths(paths, ctx.cwd);
  if (auth0Client !== undefined && files.length !== 1)
    throw new CliError(EXIT_USAGE, `${command}: --auth0-client takes exactly one certificate file`);
  const table = await ctx.table();
  // A self-signed certificate must be one the truststore takes: checked up front when the CA bundle is in view.
  const view = mode === REGISTER ? await caBundleView(ctx, values.ca as string | undefined) : undefined;
  const many = files.length > 1;
  const counts: Record<Outcome, number> = { written: 0, unchanged: 0, refused: 0 };
  const refusals: string[] = [];
  let selfSignedWritten = false;

  for (const [i, file] of files.entries()) {
    const prefix = many ? `[${i + 1}/${files.length}] ` : '';
    const refuse = (line: string): void => {
      counts.refused++;
      refusals.push(line);
      ctx.err(`edge-certs: ${prefix}refused ${line}`);
    };
    let cert: InspectedCertificate;
    try {
      cert = readCertificateFile(file, ctx.cwd);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      refuse(error.message);
      continue;
    }
    const name = `${file} (${describe(cert)})`;
    // One command onboards a client on both sides, whatever its certificate: with --auth0-client,
    // register takes a CA-signed certificate the way allow does (cert_subject_dn under tls_client_auth).
    const as = mode === REGISTER && auth0Client !== undefined && !cert.selfSigned ? ALLOW : mode;
    const findings = admissionFindings(cert, as.kind, ctx.now());
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      refuse(`${name}: ${errors.map((f) => f.message).join('; ')}`);
      continue;
    }
    if (view && as === REGISTER) {
      // The builder would leave it out (its subject DN is a CA's, …): refused now rather than published never.
      const objection = truststoreObjection(withoutCertificate(view, cert.thumbprint), cert, {
        now: ctx.now(),
        bundleName: view.bundleName,
      });
      if (objection) {
        refuse(`${name}: the truststore would leave it out: ${objection.reason}`);
        continue;
      }
    }
    // Auth0 is checked before the edge is written, and completed after it (cli/auth0/sync.ts).
    const auth0 =
      auth0Client === undefined
        ? undefined
        : await Auth0Onboarding.prepare(ctx, {
            command,
            clientId: auth0Client,
            kind: as.kind,
            cert,
            file,
            switchToMtls,
          });
    const result = await as.store(ctx, table, cert, clientId);
    if (result.outcome === 'refused') {
      refuse(`${name}: ${result.reason}`);
      continue;
    }
    for (const warning of findings.filter((f) => f.severity === 'warning')) {
      ctx.err(`edge-certs: ${prefix}warning ${name}: ${warning.message}`);
    }
    counts[result.outcome]++;
    if (result.outcome === 'written' && as === REGISTER) selfSignedWritten = true;
    if (result.outcome === 'written') {
      ctx.out(`${prefix}${as.done} ${name}${CLIENT_ID_NOTE(result.entry)}`);
    } else {
      const note =
        clientId !== undefined && clientId !== result.entry.clientId
          ? ` (its client id stays ${result.entry.clientId ?? 'unset'})`
          : '';
      ctx.out(`${prefix}already ${as.done} ${name}: nothing changed${note}`);
    }
    await auth0?.complete({
      wrote: result.outcome === 'written',
      label: `thumbprint ${cert.thumbprint} (${as.kind}, active)`,
      undo: () => removeEntry(ctx.dynamodb(), table, cert.thumbprint),
    });
  }

  if (many) {
    ctx.out(
      `summary: ${files.length} files, ${counts.written} ${mode.done}, ${counts.unchanged} already ${mode.done}, ${counts.refused} refused`,
    );
    for (const line of refusals) ctx.out(`  refused ${line}`);
  }
  // The truststore changes (and the hint says how to watch it) only for a self-signed certificate written.
  if (selfSignedWritten) {
    for (const line of afterRegister(ctx.registryHost())) ctx.out(line);
  }
  return counts.refused > 0 ? EXIT_USAGE : EXIT_OK;
}

const CERT_OPTIONS = {
  cert: { type: 'string', multiple: true },
  'client-id': { type: 'string' },
  ...AUTH0_REGISTER_OPTIONS,
} as const;

export const registerCommand: Command = {
  name: 'register',
  usage:
    'edge-certs register --cert FILE|DIR [--cert …] [--client-id ID] [--auth0-client ID [--auth0-switch-to-mtls]]',
  summary: 'register self-signed client certificates (kind=self-signed, status=active)',
  details: [
    'Refused (exit 2), one line each naming the file, subject, thumbprint and problem: a CA-signed',
    'certificate (add its CA to the CA bundle instead), one that does not parse, is expired or not yet',
    'valid, has an RSA key under 2048 bits, an EC key under P-256 or a SHA-1/MD5 signature, whose',
    'subject DN is already registered, or whose client-certificate header would exceed 4096 bytes.',
    'A CA:TRUE self-signed certificate is registered with a warning: the edge rejects what it signs.',
    'Registering the very same certificate again changes nothing (exit 0; exit 2 if it is revoked).',
    'With the CA bundle in view (--ca, or the deployed truststore), one the truststore would leave out',
    "(its subject DN is a CA's, for example) is refused too.",
    '',
    '  --cert FILE|DIR   PEM or DER file, one certificate each; a directory takes its *.pem, *.crt,',
    '                    *.cer and *.der files; repeat for more (progress and a summary are printed)',
    '  --client-id ID    the Auth0 client the certificate belongs to',
    ...AUTH0_CLIENT_HELP,
    '                    one --cert FILE: its x509_cert credential is created (or reused) and enabled',
    "                    under self_signed_tls_client_auth, next to the client's other credentials;",
    "                    if Auth0 fails, this run's writes are undone on both sides. A CA-signed",
    '                    certificate is taken as `allow` takes it: a kind=ca-signed entry and a',
    '                    cert_subject_dn credential enabled under tls_client_auth',
    ...AUTH0_SWITCH_HELP,
    ...CA_HELP,
  ],
  options: { ...CERT_OPTIONS, ...CA_OPTION },
  usesRegistry: true,
  run: (ctx, values) => run(REGISTER, ctx, values),
};

export const allowCommand: Command = {
  name: 'allow',
  usage:
    'edge-certs allow --cert FILE|DIR [--cert …] [--client-id ID] [--auth0-client ID [--auth0-switch-to-mtls]]',
  summary: 'allow-list CA-signed certificates (kind=ca-signed; needed with CA_SIGNED_POLICY=registered)',
  details: [
    'Refused (exit 2): a self-signed certificate (use register), one that does not parse or is expired,',
    'or whose client-certificate header would exceed 4096 bytes. Allowing the same certificate again',
    'changes nothing (exit 0; exit 2 if it is revoked).',
    '',
    '  --cert FILE|DIR   PEM or DER file, one certificate each, or a directory of them; repeatable',
    '  --client-id ID    the Auth0 client the certificate belongs to',
    ...AUTH0_CLIENT_HELP,
    '                    one --cert FILE: a cert_subject_dn credential for its subject DN is created',
    "                    (or reused) and enabled under tls_client_auth, next to the client's other",
    "                    credentials; if Auth0 fails, this run's writes are undone on both sides",
    ...AUTH0_SWITCH_HELP,
  ],
  options: CERT_OPTIONS,
  usesRegistry: true,
  run: (ctx, values) => run(ALLOW, ctx, values),
};
