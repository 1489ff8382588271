/**
 * A local stand-in for the few Auth0 Management API endpoints `edge-certs` uses, over real HTTPS on
 * 127.0.0.1 (a certificate from a throwaway CA: trust `caPem` with `NODE_EXTRA_CA_CERTS` or a fetch
 * dispatcher), so the unmodified `auth0` SDK talks to it:
 *
 * - `POST /oauth/token`: client-credentials grant (form or JSON body), audience `https://<domain>/api/v2/`;
 * - `GET /api/v2/clients` (`page`, `per_page` ≤ 100, `include_totals`, `fields`, `include_fields`);
 * - `GET`/`PATCH /api/v2/clients/{id}`;
 * - `GET`/`POST /api/v2/clients/{id}/credentials`, `DELETE /api/v2/clients/{id}/credentials/{credential_id}`.
 *
 * Shapes and scopes follow Auth0's Management API reference (https://auth0.com/docs/api/management/v2/clients:
 * "Get clients", "Get a client", "Update a client", "Get client credentials", "Create a client credential",
 * "Delete a client credential") and responses a real tenant gave, as recorded by auth0/go-auth0
 * (`test/data/recordings/TestClient_CreateAllCredential/*.yaml`, `TestClientAuthenticationMethods/*.yaml`):
 * credentials `{id, name, credential_type, thumbprint_sha256 | subject_dn, created_at, updated_at, expires_at}`,
 * enabled credentials as `client_authentication_methods.<method>.credentials: [{id}]`, errors as
 * `{statusCode, error, message, errorCode}` (403 `insufficient_scope`: "Insufficient scope, expected any
 * of: …"), rate-limit headers `x-ratelimit-limit/-remaining/-reset` (reset in epoch seconds).
 *
 * What Auth0 does not document and we had to choose (nothing in the CLI depends on it): a PATCH of
 * properties other than `client_authentication_methods` needs `update:clients`; deleting a credential
 * also drops it from the methods that enable it.
 */
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { close, listen, readBody } from './listen';
import { createCertificate } from './pki';
import { errorMessage } from '../shared/errors';

export interface StandInClient {
  client_id: string;
  name: string;
  app_type?: string;
  client_secret?: string;
  /** Absent once the client uses `client_authentication_methods` (Auth0 keeps the two mutually exclusive). */
  token_endpoint_auth_method?: string;
  jwt_configuration?: { alg: string };
  client_authentication_methods?: Record<string, { credentials: { id: string }[] }>;
}

export interface StoredCredential {
  id: string;
  name?: string;
  credential_type: string;
  thumbprint_sha256?: string;
  subject_dn?: string;
  created_at: string;
  updated_at: string;
  expires_at?: string;
  kid?: string;
  alg?: string;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
}

export interface InjectedFailure {
  readonly method?: string;
  /** Matched against the path (without query). @default - every API path (not `/oauth/token`) */
  readonly path?: RegExp;
  readonly status: number;
  /** How many matching requests fail. @default 1 */
  readonly count?: number;
  /** The answer's body. @default - Auth0's error shape (`{statusCode, error, message, errorCode}`) */
  readonly body?: unknown;
}

export interface Auth0ManagementStandIn {
  /** `127.0.0.1:<port>`: what `AUTH0_DOMAIN` is set to. */
  readonly domain: string;
  /** The CA of the server certificate. */
  readonly caPem: string;
  /** The M2M application the CLI authenticates as. */
  readonly m2m: { readonly clientId: string; readonly clientSecret: string };
  /** Scopes granted to the M2M application (every token issued afterwards carries them). */
  grant(scopes: readonly string[]): void;
  addClient(client: StandInClient): void;
  client(clientId: string): StandInClient | undefined;
  credentials(clientId: string): StoredCredential[];
  /** Creates a credential as `POST …/credentials` would, optionally enabled under `method`. */
  addCredential(
    clientId: string,
    input: { credential_type: string; pem?: string; subject_dn?: string; name?: string },
    enableUnder?: string,
  ): StoredCredential;
  /** Enabled credential ids under `method`. */
  enabled(clientId: string, method: string): string[];
  /** The next matching requests fail with `status`; 429s carry rate-limit headers. */
  failNext(failure: InjectedFailure): void;
  /** Every request served, in order. */
  readonly requests: readonly LoggedRequest[];
  close(): Promise<void>;
}

/** What the CLI needs (shared/contracts/auth0-management.ts); tests narrow it to provoke 403s. */
export const ALL_SCOPES = [
  'read:clients',
  'read:client_credentials',
  'create:client_credentials',
  'update:client_credentials',
  'delete:client_credentials',
  'update:clients',
];

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorCode?: string,
  ) {
    super(message);
  }
}

const credentialFit: Record<string, readonly string[]> = {
  self_signed_tls_client_auth: ['x509_cert'],
  tls_client_auth: ['cert_subject_dn', 'x509_cert'],
  private_key_jwt: ['public_key'],
};

export async function startAuth0ManagementStandIn(): Promise<Auth0ManagementStandIn> {
  const ca = await createCertificate({ subject: 'CN=Auth0 stand-in test CA', ca: true });
  const serverCert = await createCertificate({
    subject: 'CN=127.0.0.1',
    issuer: ca,
    ipAddresses: ['127.0.0.1'],
    extendedKeyUsage: 'serverAuth',
  });
  const m2m = {
    clientId: `m2m${randomBytes(8).toString('hex')}`,
    clientSecret: randomBytes(24).toString('base64url'),
  };
  let granted = [...ALL_SCOPES];
  const tokens = new Map<string, readonly string[]>();
  const clients = new Map<string, StandInClient>();
  const credentials = new Map<string, StoredCredential[]>();
  const failures: { failure: InjectedFailure; left: number }[] = [];
  const requests: LoggedRequest[] = [];
  let domain = '';

  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...headers,
    });
    res.end(text);
  };
  const errorBody = (status: number, message: string, errorCode?: string): Record<string, unknown> => ({
    statusCode: status,
    error: STATUS_TEXT[status] ?? 'Error',
    message,
    ...(errorCode ? { errorCode } : {}),
  });
  const rateHeaders = (remaining: number): Record<string, string> => ({
    'x-ratelimit-limit': '50',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1),
  });

  const requireScope = (scopes: readonly string[], anyOf: readonly string[]): void => {
    if (!anyOf.some((s) => scopes.includes(s))) {
      throw new HttpError(
        403,
        `Insufficient scope, expected any of: ${anyOf.join(',')}`,
        'insufficient_scope',
      );
    }
  };
  const clientOr404 = (id: string): StandInClient => {
    const client = clients.get(id);
    if (!client) throw new HttpError(404, 'The client does not exist', 'inexistent_client');
    return client;
  };

  /** A client as the caller's scopes and `fields` let it see. */
  const visible = (
    client: StandInClient,
    scopes: readonly string[],
    query: URLSearchParams,
  ): Record<string, unknown> => {
    const all: Record<string, unknown> = { ...client };
    const keys = scopes.includes('read:client_keys');
    if (!keys) delete all.client_secret;
    if (!keys && !scopes.includes('read:client_credentials')) delete all.client_authentication_methods;
    if (!keys && !scopes.includes('read:clients')) {
      const always = ['client_id', 'app_type', 'name', 'description', 'client_authentication_methods'];
      for (const k of Object.keys(all)) if (!always.includes(k)) delete all[k];
    }
    const fields = query.get('fields');
    if (!fields) return all;
    const listed = new Set(fields.split(','));
    const include = query.get('include_fields') !== 'false';
    return Object.fromEntries(Object.entries(all).filter(([k]) => listed.has(k) === include));
  };

  const makeCredential = (input: Record<string, unknown>): StoredCredential => {
    const type = input.credential_type;
    const now = new Date().toISOString();
    const base = {
      id: `cred_${randomBytes(11).toString('base64url')}`,
      ...(typeof input.name === 'string' ? { name: input.name } : {}),
      created_at: now,
      updated_at: now,
    };
    let x509: X509Certificate | undefined;
    if (typeof input.pem === 'string' && type !== 'public_key') {
      try {
        x509 = new X509Certificate(input.pem);
      } catch {
        throw new HttpError(400, 'Payload validation error: invalid certificate in pem', 'invalid_body');
      }
    }
    if (type === 'x509_cert') {
      if (!x509)
        throw new HttpError(400, 'Payload validation error: pem is required for x509_cert', 'invalid_body');
      return {
        ...base,
        credential_type: 'x509_cert',
        thumbprint_sha256: createHash('sha256').update(x509.raw).digest('base64url'),
        expires_at: new Date(x509.validTo).toISOString(),
      };
    }
    if (type === 'cert_subject_dn') {
      const subject = x509
        ? x509.subject
        : typeof input.subject_dn === 'string'
          ? input.subject_dn
          : undefined;
      if (!subject)
        throw new HttpError(400, 'Payload validation error: pem or subject_dn is required', 'invalid_body');
      return { ...base, credential_type: 'cert_subject_dn', subject_dn: subject };
    }
    if (type === 'public_key' && typeof input.pem === 'string') {
      // Private Key JWT: only here so tests can give a client a credential the CLI must leave alone.
      return {
        ...base,
        credential_type: 'public_key',
        kid: randomBytes(16).toString('base64url'),
        alg: 'RS256',
      };
    }
    throw new HttpError(
      400,
      `Payload validation error: unsupported credential_type ${String(type)}`,
      'invalid_body',
    );
  };

  const patchClient = (
    client: StandInClient,
    body: Record<string, unknown>,
    scopes: readonly string[],
  ): void => {
    requireScope(scopes, ['update:clients', 'update:client_keys', 'update:client_credentials']);
    const others = Object.keys(body).filter((k) => k !== 'client_authentication_methods');
    if ('client_authentication_methods' in body) requireScope(scopes, ['update:client_credentials']);
    if (others.length > 0) requireScope(scopes, ['update:clients']);
    const next: StandInClient = { ...client };
    for (const key of others) {
      const value = body[key];
      if (value === null) delete (next as unknown as Record<string, unknown>)[key];
      else (next as unknown as Record<string, unknown>)[key] = value;
    }
    if ('client_authentication_methods' in body) {
      const methods = body.client_authentication_methods;
      if (methods === null) {
        delete next.client_authentication_methods;
      } else {
        const own = credentials.get(client.client_id) ?? [];
        const result: NonNullable<StandInClient['client_authentication_methods']> = {};
        for (const [method, value] of Object.entries(methods as Record<string, unknown>)) {
          const fit = credentialFit[method];
          const list = (value as { credentials?: unknown })?.credentials;
          if (!fit || !Array.isArray(list)) {
            throw new HttpError(
              400,
              `Payload validation error: invalid client_authentication_methods.${method}`,
              'invalid_body',
            );
          }
          const ids = list.map((c) => (c as { id?: unknown })?.id);
          for (const id of ids) {
            const credential = own.find((c) => c.id === id);
            if (!credential || !fit.includes(credential.credential_type)) {
              throw new HttpError(
                400,
                `Credential ${String(id)} cannot be used for ${method}`,
                'invalid_body',
              );
            }
          }
          result[method] = { credentials: ids.map((id) => ({ id: id as string })) };
        }
        next.client_authentication_methods = result;
      }
    }
    if (next.token_endpoint_auth_method && next.client_authentication_methods) {
      throw new HttpError(
        400,
        'token_endpoint_auth_method and client_authentication_methods are mutually exclusive',
        'invalid_body',
      );
    }
    clients.set(client.client_id, next);
  };

  const api = (
    method: string,
    parts: string[],
    query: URLSearchParams,
    body: string,
    scopes: readonly string[],
  ): [number, unknown] => {
    const parsed = (): Record<string, unknown> => {
      try {
        const value = JSON.parse(body || '{}') as unknown;
        if (typeof value === 'object' && value !== null && !Array.isArray(value))
          return value as Record<string, unknown>;
      } catch {
        // falls through
      }
      throw new HttpError(400, 'Payload validation error: invalid JSON', 'invalid_body');
    };
    const readAny = ['read:clients', 'read:client_keys', 'read:client_credentials', 'read:client_summary'];
    if (parts.length === 1 && method === 'GET') {
      requireScope(scopes, readAny);
      const page = Number(query.get('page') ?? 0);
      const perPage = Number(query.get('per_page') ?? 50);
      if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
        throw new HttpError(
          400,
          'Query validation error: per_page must be between 1 and 100',
          'invalid_query_string',
        );
      }
      const all = [...clients.values()];
      const slice = all.slice(page * perPage, page * perPage + perPage).map((c) => visible(c, scopes, query));
      if (query.get('include_totals') !== 'true') return [200, slice];
      return [
        200,
        { start: page * perPage, limit: perPage, length: slice.length, total: all.length, clients: slice },
      ];
    }
    const id = decodeURIComponent(parts[1] ?? '');
    if (parts.length === 2 && method === 'GET') {
      requireScope(scopes, readAny);
      return [200, visible(clientOr404(id), scopes, query)];
    }
    if (parts.length === 2 && method === 'PATCH') {
      patchClient(clientOr404(id), parsed(), scopes);
      return [200, visible(clientOr404(id), scopes, new URLSearchParams())];
    }
    if (parts.length === 3 && parts[2] === 'credentials') {
      if (method === 'GET') {
        requireScope(scopes, ['read:client_credentials']);
        clientOr404(id);
        return [200, credentials.get(id) ?? []];
      }
      if (method === 'POST') {
        requireScope(scopes, ['create:client_credentials']);
        clientOr404(id);
        const credential = makeCredential(parsed());
        credentials.set(id, [...(credentials.get(id) ?? []), credential]);
        return [201, credential];
      }
    }
    if (parts.length === 4 && parts[2] === 'credentials' && method === 'DELETE') {
      requireScope(scopes, ['delete:client_credentials']);
      const client = clientOr404(id);
      const credentialId = decodeURIComponent(parts[3] ?? '');
      const own = credentials.get(id) ?? [];
      if (!own.some((c) => c.id === credentialId))
        throw new HttpError(404, 'The credential does not exist', 'inexistent_credential');
      credentials.set(
        id,
        own.filter((c) => c.id !== credentialId),
      );
      for (const value of Object.values(client.client_authentication_methods ?? {})) {
        value.credentials = value.credentials.filter((c) => c.id !== credentialId);
      }
      return [204, undefined];
    }
    throw new HttpError(404, 'Not Found');
  };

  const token = (req: IncomingMessage, body: string): [number, unknown] => {
    const type = String(req.headers['content-type'] ?? '');
    let form: Record<string, string>;
    try {
      form = type.includes('json')
        ? (JSON.parse(body) as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(body));
    } catch {
      return [400, { error: 'invalid_request', error_description: 'malformed body' }];
    }
    if (form.grant_type !== 'client_credentials')
      return [400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' }];
    if (form.client_id !== m2m.clientId || form.client_secret !== m2m.clientSecret) {
      return [401, { error: 'access_denied', error_description: 'Unauthorized' }];
    }
    if (form.audience !== `https://${domain}/api/v2/`) {
      return [403, { error: 'access_denied', error_description: `Service not found: ${form.audience}` }];
    }
    const accessToken = randomBytes(24).toString('base64url');
    tokens.set(accessToken, [...granted]);
    return [
      200,
      { access_token: accessToken, token_type: 'Bearer', expires_in: 86400, scope: granted.join(' ') },
    ];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'https://stand-in');
    const method = req.method ?? 'GET';
    const log = (status: number): void => {
      requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), status });
    };
    const injected = failures.find(
      (f) =>
        f.left > 0 &&
        (!f.failure.method || f.failure.method === method) &&
        (f.failure.path ? f.failure.path.test(url.pathname) : url.pathname !== '/oauth/token'),
    );
    if (injected) {
      injected.left -= 1;
      const { status } = injected.failure;
      log(status);
      if (injected.failure.body !== undefined) return json(res, status, injected.failure.body);
      if (status === 429) {
        const limited = errorBody(429, 'Global limit has been reached', 'too_many_requests');
        return json(res, 429, limited, rateHeaders(0));
      }
      return json(res, status, errorBody(status, 'stand-in failure'), rateHeaders(49));
    }
    if (url.pathname === '/oauth/token' && method === 'POST') {
      const [status, answer] = token(req, body);
      log(status);
      return json(res, status, answer);
    }
    const parts = url.pathname.replace(/^\/api\/v2\//, '').split('/');
    if (!url.pathname.startsWith('/api/v2/clients') || parts[0] !== 'clients') {
      log(404);
      return json(res, 404, errorBody(404, 'Not Found'));
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const scopes = bearer ? tokens.get(bearer) : undefined;
    if (!scopes) {
      log(401);
      return json(res, 401, errorBody(401, bearer ? 'Invalid token' : 'Missing authentication'));
    }
    try {
      const [status, answer] = api(method, parts, url.searchParams, body, scopes);
      log(status);
      return json(res, status, answer, rateHeaders(49));
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      log(error.status);
      return json(
        res,
        error.status,
        errorBody(error.status, error.message, error.errorCode),
        rateHeaders(49),
      );
    }
  };

  const server: Server = createServer({ key: serverCert.keyPem, cert: serverCert.pem }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      json(res, 500, errorBody(500, errorMessage(error)));
    });
  });
  const port = await listen(server);
  domain = `127.0.0.1:${port}`;

  return {
    domain,
    caPem: ca.pem,
    m2m,
    grant: (scopes) => {
      granted = [...scopes];
    },
    addClient: (client) => {
      clients.set(client.client_id, structuredClone(client));
    },
    client: (id) => {
      const client = clients.get(id);
      return client ? structuredClone(client) : undefined;
    },
    credentials: (id) => structuredClone(credentials.get(id) ?? []),
    addCredential: (clientId, input, enableUnder) => {
      const credential = makeCredential(input);
      credentials.set(clientId, [...(credentials.get(clientId) ?? []), credential]);
      if (enableUnder) {
        const client = clientOr404(clientId);
        const methods = (client.client_authentication_methods ??= {});
        const list = (methods[enableUnder] ??= { credentials: [] });
        list.credentials.push({ id: credential.id });
        delete client.token_endpoint_auth_method;
      }
      return structuredClone(credential);
    },
    enabled: (clientId, method) =>
      (clients.get(clientId)?.client_authentication_methods?.[method]?.credentials ?? []).map((c) => c.id),
    failNext: (failure) => {
      failures.push({ failure, left: failure.count ?? 1 });
    },
    requests,
    close: () => close(server),
  };
}
