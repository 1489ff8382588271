/**
 * Both sides in one command: the edge's registry entry and the Auth0 client's mTLS credential.
 *
 * Onboarding (`register`/`allow --auth0-client`): Auth0 is checked first (the client exists and may take an
 * mTLS credential), then the edge entry is written with all its checks, then the credential is created and
 * enabled. If Auth0 fails, what this run wrote is undone (credential disabled and deleted, the new edge
 * entry removed); if an undo fails too, the message says exactly what exists where, with the command that
 * completes and the one that reverts. Both are safe to run again: an existing credential for the same
 * certificate is reused, an absent one is skipped.
 *
 * Offboarding (`revoke`/`remove --auth0-client`): the edge refuses first (the entry is revoked before Auth0
 * is touched), then the credential is disabled and deleted in Auth0.
 */
import { canonicalDn, type CertificateKind, type InspectedCertificate } from '../../shared/certificate';
import type { RegistryEntry } from '../../shared/registry-model';
import { scanRegistry } from '../../shared/registry-store';
import { AUTH0_SWITCH_SCOPE } from '../../shared/contracts/auth0-management';
import { asError } from '../../shared/errors';
import type { Context } from '../context';
import { CliError, failure, usageError } from '../errors';
import type { Values } from '../commands/spec';
import {
  AUTH0_FORM,
  describeAuth0Error,
  enabledUnder,
  matchesCertificate,
  type Auth0Credential,
  type Auth0Tenant,
} from './tenant';

export const AUTH0_CLIENT_OPTION = { 'auth0-client': { type: 'string' } } as const;
export const AUTH0_REGISTER_OPTIONS = {
  ...AUTH0_CLIENT_OPTION,
  'auth0-switch-to-mtls': { type: 'boolean' },
} as const;

export const AUTH0_CLIENT_HELP = [
  '  --auth0-client ID the Auth0 client (application) of the certificate: do it in Auth0 too, through',
  '                    the Management API (AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, or',
  '                    AUTH0_M2M_SECRET_ID; see edge-certs audit --help)',
];

export const AUTH0_SWITCH_HELP = [
  '  --auth0-switch-to-mtls',
  '                    the client still authenticates with a client secret: end that (its',
  `                    token_endpoint_auth_method is cleared; needs the ${AUTH0_SWITCH_SCOPE} scope)`,
];

/** `--auth0-client ID`, checked; undefined when not given. */
export function auth0ClientOf(values: Values, command: string): string | undefined {
  const value = values['auth0-client'] as string | undefined;
  if (value !== undefined && value.trim() === '')
    throw usageError(`${command}: --auth0-client must not be empty`);
  return value?.trim();
}

function certificateLabel(kind: CertificateKind, thumbprint: string, subject: string): string {
  return kind === 'self-signed'
    ? `x509_cert, thumbprint ${thumbprint}`
    : `cert_subject_dn, ${canonicalDn(subject).split('\n').join(', ')}`;
}

function credentialLine(
  credential: Auth0Credential,
  kind: CertificateKind,
  cert: { thumbprint: string; subject: string },
): string {
  return `credential ${credential.id} (${certificateLabel(kind, cert.thumbprint, cert.subject)})`;
}

/** What the edge side did in this run, and how to take it back. */
export interface EdgeWrite {
  /** True when this run wrote the entry (false: it was there already). */
  readonly wrote: boolean;
  /** Describes the entry for messages, e.g. `thumbprint … (self-signed, active)`. */
  readonly label: string;
  undo(): Promise<unknown>;
}

export interface OnboardingRequest {
  /** `register` or `allow`. */
  readonly command: string;
  readonly clientId: string;
  readonly kind: CertificateKind;
  readonly cert: InspectedCertificate;
  /** The file as the operator named it (for the commands we print). */
  readonly file: string;
  readonly switchToMtls: boolean;
}

/** The Auth0 half of `register`/`allow --auth0-client`: checked before the edge is written, completed after. */
export class Auth0Onboarding {
  private constructor(
    private readonly ctx: Context,
    private readonly tenant: Auth0Tenant,
    private readonly request: OnboardingRequest,
  ) {}

  /**
   * Checks that the client exists and can take an mTLS credential. Writes nothing.
   * @throws CliError exit 2 (no such client; client on a secret without --auth0-switch-to-mtls) or 1 (Auth0 failed)
   */
  static async prepare(ctx: Context, request: OnboardingRequest): Promise<Auth0Onboarding> {
    const tenant = await ctx.auth0();
    const { command, clientId } = request;
    let client;
    try {
      client = await tenant.getClient(clientId);
    } catch (error) {
      throw failure(
        `${command}: nothing changed: reading Auth0 client ${clientId} failed: ${describeAuth0Error(error)}`,
      );
    }
    if (!client)
      throw usageError(
        `${command}: nothing changed: Auth0 tenant ${tenant.domain} has no client ${clientId}`,
      );
    try {
      // Proves read:client_credentials before the edge is written (completing needs it).
      await tenant.credentials(clientId);
    } catch (error) {
      throw failure(
        `${command}: nothing changed: reading the credentials of Auth0 client ${clientId} failed: ${describeAuth0Error(error)}`,
      );
    }
    if (client.tokenEndpointAuthMethod && !request.switchToMtls) {
      throw usageError(
        `${command}: nothing changed: Auth0 client ${clientId} authenticates with ${client.tokenEndpointAuthMethod}; an mTLS credential ends that (Auth0 keeps token_endpoint_auth_method and client_authentication_methods mutually exclusive): pass --auth0-switch-to-mtls to do it`,
      );
    }
    return new Auth0Onboarding(ctx, tenant, request);
  }

  private completeCommand(): string {
    return `edge-certs ${this.request.command} --cert ${this.request.file} --auth0-client ${this.request.clientId}${this.request.switchToMtls ? ' --auth0-switch-to-mtls' : ''}`;
  }

  private revertCommand(): string {
    return `edge-certs remove --cert ${this.request.file} --auth0-client ${this.request.clientId}`;
  }

  /**
   * Creates (or reuses) and enables the credential; prints what it did. On failure undoes this run's writes
   * on both sides and throws exit 1 with what is left where.
   */
  async complete(edge: EdgeWrite): Promise<void> {
    const { tenant, request } = this;
    const { clientId, kind, cert } = request;
    const { method } = AUTH0_FORM[kind];
    let created: Auth0Credential | undefined;
    try {
      const before = await tenant.credentials(clientId);
      const existing = before.find((c) => matchesCertificate(c, kind, cert));
      let credential = existing;
      if (!credential) {
        try {
          credential = created = await tenant.createCredential(clientId, kind, cert);
        } catch (error) {
          // The SDK retries a POST that failed with 5xx: one of the attempts may have been carried out.
          created = await this.newMatching(before).catch(() => undefined);
          throw error;
        }
        await this.deleteDuplicates(before, credential);
      }
      const change = await tenant.setEnabled(clientId, method, credential.id, true, {
        switchToMtls: request.switchToMtls,
      });
      const what = `${created ? 'created' : 'found'} ${credentialLine(credential, kind, cert)}`;
      this.ctx.out(
        `auth0: ${what} on client ${clientId}, ${change === 'changed' ? 'enabled' : 'already enabled'} under ${method}`,
      );
    } catch (error) {
      throw await this.undo(error, edge, created);
    }
  }

  /** A credential for this certificate that was not there before (a POST whose answer was lost). */
  private async newMatching(before: readonly Auth0Credential[]): Promise<Auth0Credential | undefined> {
    const known = new Set(before.map((c) => c.id));
    const after = await this.tenant.credentials(this.request.clientId);
    return after.find((c) => !known.has(c.id) && matchesCertificate(c, this.request.kind, this.request.cert));
  }

  /** Extra credentials a retried POST left behind (never enabled: only `kept` is). */
  private async deleteDuplicates(before: readonly Auth0Credential[], kept: Auth0Credential): Promise<void> {
    const known = new Set([...before.map((c) => c.id), kept.id]);
    const after = await this.tenant.credentials(this.request.clientId);
    for (const extra of after) {
      if (!known.has(extra.id) && matchesCertificate(extra, this.request.kind, this.request.cert)) {
        await this.tenant.deleteCredential(this.request.clientId, extra.id);
      }
    }
  }

  private async undo(error: unknown, edge: EdgeWrite, created: Auth0Credential | undefined): Promise<Error> {
    const { tenant, request } = this;
    const { command, clientId, kind, cert } = request;
    const reason = describeAuth0Error(error);
    let auth0Left: string | undefined;
    if (created) {
      try {
        await tenant.setEnabled(clientId, AUTH0_FORM[kind].method, created.id, false);
        await tenant.deleteCredential(clientId, created.id);
      } catch (undoError) {
        const client = await tenant.getClient(clientId).catch(() => undefined);
        const state = client
          ? enabledUnder(client, created.id)
            ? `enabled under ${enabledUnder(client, created.id)}`
            : 'not enabled'
          : 'state unknown';
        auth0Left = `${credentialLine(created, kind, cert)} exists, ${state} (undo failed: ${describeAuth0Error(undoError)})`;
      }
    }
    let edgeLeft: string | undefined;
    if (edge.wrote) {
      try {
        await edge.undo();
      } catch (undoError) {
        const e = asError(undoError);
        edgeLeft = `${edge.label} is registered, written by this run (removing it failed: ${e.name}: ${e.message.split('\n')[0]})`;
      }
    }
    if (!auth0Left && !edgeLeft) {
      const edgeState = edge.wrote
        ? 'the edge entry written by this run was removed again'
        : `the edge entry (${edge.label}) was there before and stays`;
      return failure(
        `${command}: not done: ${reason}; ${created ? 'the Auth0 credential created by this run was deleted again, ' : 'nothing changed in Auth0, '}${edgeState}. Retry: ${this.completeCommand()}`,
      );
    }
    return failure(
      [
        `${command}: half done: ${reason}`,
        `  at the edge: ${edgeLeft ?? (edge.wrote ? 'nothing (the entry written by this run was removed again)' : `${edge.label}, as before this run`)}`,
        `  in Auth0 client ${clientId}: ${auth0Left ?? (created ? 'nothing (the credential created by this run was deleted again)' : 'as before this run')}`,
        `  complete it: ${this.completeCommand()}`,
        `  or revert it: ${this.revertCommand()}`,
      ].join('\n'),
    );
  }
}

export interface OffboardingRequest {
  /** `revoke` or `remove`. */
  readonly command: string;
  readonly clientId: string;
  readonly kind: CertificateKind;
  readonly thumbprint: string;
  /** Subject DN (any form): how a CA-signed certificate's `cert_subject_dn` credential is found. */
  readonly subject?: string;
  /** What the edge holds now, e.g. `thumbprint … is revoked (the edge refuses it)`. */
  readonly edgeState: string;
  /** The command that finishes the job when Auth0 fails. */
  readonly completeWith: string;
}

/** Other active CA-signed entries of this client with the same subject DN: they still need its credential. */
async function sharingSubject(ctx: Context, request: OffboardingRequest): Promise<RegistryEntry | undefined> {
  if (request.kind !== 'ca-signed' || request.subject === undefined) return undefined;
  const dn = canonicalDn(request.subject);
  const entries = await scanRegistry(ctx.dynamodb(), await ctx.table());
  return entries.find(
    (e) =>
      e.kind === 'ca-signed' &&
      e.status === 'active' &&
      e.thumbprint !== request.thumbprint &&
      (e.clientId === undefined || e.clientId === request.clientId) &&
      canonicalDn(e.subject) === dn,
  );
}

/**
 * The Auth0 half of `revoke`/`remove --auth0-client`, run after the edge refuses the certificate: disables
 * and deletes its credential (a CA-signed certificate's `cert_subject_dn` credential stays while another
 * active certificate of the client has the same subject DN). Returns whether Auth0 had a credential for it.
 * @throws CliError exit 1 naming what is left in Auth0 and the command that completes the job
 */
export async function offboardInAuth0(ctx: Context, request: OffboardingRequest): Promise<boolean> {
  const { command, clientId, kind } = request;
  const cert = { thumbprint: request.thumbprint, subject: request.subject ?? '' };
  const { method } = AUTH0_FORM[kind];
  const tenant = await ctx.auth0();
  const notDone = (reason: string, left: string): Error =>
    failure(
      [
        `${command}: half done: ${reason}`,
        `  at the edge: ${request.edgeState}`,
        `  in Auth0 client ${clientId}: ${left}`,
        `  complete it: ${request.completeWith}`,
      ].join('\n'),
    );
  let matching: Auth0Credential[];
  try {
    const client = await tenant.getClient(clientId);
    if (!client)
      throw usageError(
        `${command}: ${request.edgeState}; Auth0 tenant ${tenant.domain} has no client ${clientId}: nothing changed there`,
      );
    matching = (await tenant.credentials(clientId)).filter((c) =>
      kind === 'ca-signed' && request.subject === undefined ? false : matchesCertificate(c, kind, cert),
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw notDone(describeAuth0Error(error), 'unchanged (reading it failed)');
  }
  if (matching.length === 0) {
    ctx.out(
      `auth0: client ${clientId} has no credential for this certificate (${certificateLabel(kind, cert.thumbprint, cert.subject)})`,
    );
    return false;
  }
  const sharer = await sharingSubject(ctx, request);
  if (sharer) {
    for (const credential of matching) {
      ctx.out(
        `auth0: kept ${credentialLine(credential, kind, cert)} on client ${clientId}: active certificate ${sharer.thumbprint} has the same subject DN`,
      );
    }
    return true;
  }
  for (const credential of matching) {
    let step = 'disabling';
    try {
      await tenant.setEnabled(clientId, method, credential.id, false);
      step = 'deleting';
      await tenant.deleteCredential(clientId, credential.id);
    } catch (error) {
      const left =
        step === 'disabling'
          ? `${credentialLine(credential, kind, cert)} is still there (and enabled if it was)`
          : `${credentialLine(credential, kind, cert)} is disabled but not deleted`;
      throw notDone(`${step} it: ${describeAuth0Error(error)}`, left);
    }
    ctx.out(`auth0: disabled and deleted ${credentialLine(credential, kind, cert)} on client ${clientId}`);
  }
  return true;
}
