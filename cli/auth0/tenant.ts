/**
 * The Auth0 side, through Auth0's official SDK (`auth0`, `ManagementClient`): a client's mTLS credentials,
 * creating, enabling, disabling and deleting one, and every client that uses an mTLS method. Calls and
 * shapes follow Auth0's Management API reference (https://auth0.com/docs/api/management/v2/clients and
 * https://auth0.com/docs/get-started/applications/configure-mtls/configure-mtls-for-a-client).
 *
 * Rate limits: the SDK retries 408, 429 and 5xx with exponential backoff, waiting for `Retry-After` or
 * `X-RateLimit-Reset` when Auth0 sends them (auth0 7.1.0 `core/fetcher/requestWithRetries.js`); we only
 * raise its retry count ({@link MAX_RETRIES}). It does not retry the client-credentials token request.
 */
import type { Management, ManagementClient } from 'auth0';
import {
  canonicalDn,
  normalizeThumbprint,
  type CertificateKind,
  type InspectedCertificate,
} from '../../shared/certificate';
import { asError, errorCode, errorMessage } from '../../shared/errors';
import type { Auth0Settings } from './settings';

/** Attempts after the first, per request (the SDK's default is 2: too few for a 429 storm on a free tenant). */
export const MAX_RETRIES = 5;
/** Per request; the SDK's default is 60 s. */
export const TIMEOUT_SECONDS = 30;
/** The Management API's largest page (`per_page` at most 100). */
export const PAGE_SIZE = 100;

export type MtlsMethod = 'self_signed_tls_client_auth' | 'tls_client_auth';
export const MTLS_METHODS: readonly MtlsMethod[] = ['self_signed_tls_client_auth', 'tls_client_auth'];

/** Self-signed → `x509_cert` under `self_signed_tls_client_auth`; CA-signed → `cert_subject_dn` under `tls_client_auth`. */
export const AUTH0_FORM = {
  'self-signed': { method: 'self_signed_tls_client_auth', type: 'x509_cert' },
  'ca-signed': { method: 'tls_client_auth', type: 'cert_subject_dn' },
} as const satisfies Record<CertificateKind, { method: MtlsMethod; type: string }>;

/** The fields we ask for: never `client_secret` (we hold no `read:client_keys` anyway). */
const CLIENT_FIELDS = 'client_id,name,token_endpoint_auth_method,client_authentication_methods';

export interface Auth0ClientView {
  readonly clientId: string;
  readonly name?: string;
  /** `client_secret_post`, `client_secret_basic`, `none`, …; absent once the client uses `client_authentication_methods`. */
  readonly tokenEndpointAuthMethod?: string;
  /** Enabled credential ids per authentication method, every method the client has (mTLS or not). */
  readonly enabled: Readonly<Record<string, readonly string[]>>;
}

export interface Auth0Credential {
  readonly id: string;
  readonly name?: string;
  /** `x509_cert`, `cert_subject_dn` or `public_key`. */
  readonly type: string;
  /** `x5t#S256` of an `x509_cert` credential (Auth0's `thumbprint_sha256`, read through `normalizeThumbprint`). */
  readonly thumbprint?: string;
  /** Subject DN of a `cert_subject_dn` credential, in {@link canonicalDn} form. */
  readonly subjectDn?: string;
  readonly expiresAt?: string;
}

/** The credential that stands for `cert` at Auth0: same thumbprint (`x509_cert`) or same subject DN (`cert_subject_dn`). */
export function matchesCertificate(
  credential: Auth0Credential,
  kind: CertificateKind,
  cert: { readonly thumbprint: string; readonly subject: string },
): boolean {
  if (credential.type !== AUTH0_FORM[kind].type) return false;
  return kind === 'self-signed'
    ? credential.thumbprint === cert.thumbprint
    : credential.subjectDn === canonicalDn(cert.subject);
}

/** Which method a credential id is enabled under, if any. */
export function enabledUnder(client: Auth0ClientView, credentialId: string): string | undefined {
  return Object.keys(client.enabled).find((method) => client.enabled[method]?.includes(credentialId));
}

function idsOf(value: unknown): string[] {
  const credentials = (value as { credentials?: unknown } | null | undefined)?.credentials;
  if (!Array.isArray(credentials)) return [];
  return credentials
    .map((c) => (c as { id?: unknown } | null)?.id)
    .filter((id): id is string => typeof id === 'string');
}

function viewOf(client: Management.Client | Management.GetClientResponseContent): Auth0ClientView {
  const methods = (client.client_authentication_methods ?? {}) as Record<string, unknown>;
  const enabled: Record<string, string[]> = {};
  for (const [method, value] of Object.entries(methods)) if (value) enabled[method] = idsOf(value);
  return {
    clientId: client.client_id ?? '',
    ...(client.name ? { name: client.name } : {}),
    ...(client.token_endpoint_auth_method
      ? { tokenEndpointAuthMethod: client.token_endpoint_auth_method }
      : {}),
    enabled,
  };
}

function credentialOf(raw: Management.ClientCredential): Auth0Credential {
  const thumbprint = raw.thumbprint_sha256 ? normalizeThumbprint(raw.thumbprint_sha256) : undefined;
  return {
    id: raw.id ?? '',
    ...(raw.name ? { name: raw.name } : {}),
    type: raw.credential_type ?? 'unknown',
    ...(thumbprint ? { thumbprint } : {}),
    ...(raw.subject_dn ? { subjectDn: canonicalDn(raw.subject_dn) } : {}),
    ...(raw.expires_at ? { expiresAt: raw.expires_at } : {}),
  };
}

/** HTTP status of an SDK error, if it carries one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * One line for an SDK error: `403 insufficient_scope: Insufficient scope, expected any of: …`, the token
 * endpoint's `error_description`, or the transport failure with its cause (`fetch failed (ECONNREFUSED)`).
 */
export function describeAuth0Error(error: unknown): string {
  const status = statusOf(error);
  const body = (error as { body?: unknown } | null)?.body;
  if (status !== undefined) {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const code = [b.errorCode, b.error].find((v): v is string => typeof v === 'string');
    const message = [b.message, b.error_description].find((v): v is string => typeof v === 'string');
    const text = message ?? (typeof body === 'string' && body.length < 200 ? body : undefined);
    const retried = status === 429 || status >= 500 ? ` (after ${MAX_RETRIES} retries with backoff)` : '';
    return `Auth0 answered ${status}${code ? ` ${code}` : ''}${text ? `: ${text}` : ''}${retried}`;
  }
  const e = asError(error);
  const detail = errorCode(e.cause) ?? (e.cause === undefined ? '' : errorMessage(e.cause));
  return `Auth0 unreachable: ${e.message.split('\n')[0]}${detail ? ` (${detail})` : ''}`;
}

/** The Management API of one tenant. */
export class Auth0Tenant {
  /**
   * Clients whose credentials we could list, which takes `read:client_credentials`: with it, a GET shows
   * `client_authentication_methods` (Auth0 silently leaves the property out without it), so a PATCH built
   * from that GET never drops a method we could not see.
   */
  private readonly readable = new Set<string>();

  private constructor(
    private readonly api: ManagementClient,
    /** The tenant's domain, for messages. */
    readonly domain: string,
  ) {}

  /** Loads the SDK (only commands that talk to Auth0 pay for it) and configures its client. */
  static async connect(settings: Auth0Settings, fetchFn?: typeof fetch): Promise<Auth0Tenant> {
    const { ManagementClient } = await import('auth0');
    const api = new ManagementClient({
      domain: settings.domain,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      maxRetries: MAX_RETRIES,
      timeoutInSeconds: TIMEOUT_SECONDS,
      ...(fetchFn ? { fetch: fetchFn } : {}),
    });
    return new Auth0Tenant(api, settings.domain);
  }

  /** The client, or undefined when Auth0 has none with this id. */
  async getClient(clientId: string): Promise<Auth0ClientView | undefined> {
    try {
      return viewOf(await this.api.clients.get(clientId, { fields: CLIENT_FIELDS, include_fields: true }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async credentials(clientId: string): Promise<Auth0Credential[]> {
    const list = (await this.api.clients.credentials.list(clientId)).map(credentialOf);
    this.readable.add(clientId);
    return list;
  }

  /**
   * Creates the credential for `cert` (not enabled yet). A CA-signed certificate is sent as its PEM, from
   * which Auth0 extracts the subject DN itself ("the most reliable way", per Auth0's mTLS guide).
   */
  async createCredential(
    clientId: string,
    kind: CertificateKind,
    cert: InspectedCertificate,
  ): Promise<Auth0Credential> {
    const created = await this.api.clients.credentials.create(clientId, {
      credential_type: AUTH0_FORM[kind].type,
      name: `edge-certs ${cert.thumbprint}`,
      pem: cert.pem,
    });
    return credentialOf(created);
  }

  /**
   * Enables one credential under `method`, or disables it (under every method that lists it), writing
   * back every other method and credential the client has (Auth0 replaces `client_authentication_methods`
   * as a whole). A method left without credentials stays, empty: the client keeps mTLS and cannot fall
   * back to a client secret. `switchToMtls` also clears `token_endpoint_auth_method` (which Auth0 holds
   * mutually exclusive with `client_authentication_methods`). Reads the client right before writing, to
   * keep the window for a concurrent change small (the API has no conditional update).
   */
  async setEnabled(
    clientId: string,
    method: MtlsMethod,
    credentialId: string,
    enabled: boolean,
    options: { readonly switchToMtls?: boolean } = {},
  ): Promise<'changed' | 'unchanged'> {
    if (!this.readable.has(clientId)) await this.credentials(clientId);
    const current = await this.getClient(clientId);
    if (!current) throw Object.assign(new Error(`Auth0 has no client ${clientId}`), { statusCode: 404 });
    const switching = Boolean(options.switchToMtls && current.tokenEndpointAuthMethod);
    const now = enabled
      ? (current.enabled[method] ?? []).includes(credentialId)
      : enabledUnder(current, credentialId) !== undefined;
    if (now === enabled && !switching) return 'unchanged';
    const next: Record<string, string[]> = {};
    for (const [name, list] of Object.entries(current.enabled)) {
      next[name] = enabled ? [...list] : list.filter((id) => id !== credentialId);
    }
    if (enabled) next[method] = [...new Set([...(next[method] ?? []), credentialId])];
    const body: Management.UpdateClientRequestContent = {
      client_authentication_methods: Object.fromEntries(
        Object.entries(next).map(([name, list]) => [name, { credentials: list.map((id) => ({ id })) }]),
      ) as Management.ClientAuthenticationMethod,
      ...(switching ? { token_endpoint_auth_method: null } : {}),
    };
    await this.api.clients.update(clientId, body);
    return 'changed';
  }

  /** Deletes a credential; `absent` when it was gone already. */
  async deleteCredential(clientId: string, credentialId: string): Promise<'deleted' | 'absent'> {
    try {
      await this.api.clients.credentials.delete(clientId, credentialId);
      return 'deleted';
    } catch (error) {
      if (statusOf(error) === 404) return 'absent';
      throw error;
    }
  }

  /** Every client with an mTLS authentication method, over all pages of `GET /clients`. */
  async mtlsClients(): Promise<Auth0ClientView[]> {
    const found: Auth0ClientView[] = [];
    const pages = await this.api.clients.list({
      fields: CLIENT_FIELDS,
      include_fields: true,
      per_page: PAGE_SIZE,
      include_totals: true,
    });
    let first: string | undefined;
    for await (const client of pages) {
      const view = viewOf(client);
      first ??= view.clientId;
      if (MTLS_METHODS.some((method) => view.enabled[method] !== undefined)) found.push(view);
    }
    // Without read:client_credentials the list hides every client's methods, and the audit would call
    // everything "only at the edge": ask once, so a missing scope fails loudly instead.
    if (first !== undefined && found.length === 0) await this.credentials(first);
    return found;
  }
}
