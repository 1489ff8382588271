/**
 * The operator CLI's boundary with the Auth0 Management API: where its machine-to-machine credentials
 * come from (environment variable names, the Secrets Manager secret's JSON keys) and the scopes that
 * M2M application needs. Written once; `cli/auth0/`, the tests and the docs use these names.
 */

/** Environment variables the CLI reads for the Management API. Never a command-line argument. */
export const AUTH0_ENV = {
  /** The tenant's domain, e.g. `acme.eu.auth0.com` (not the custom domain). */
  domain: 'AUTH0_DOMAIN',
  /** Client id of the M2M application authorized for the Management API. */
  clientId: 'AUTH0_CLIENT_ID',
  /** Its client secret. */
  clientSecret: 'AUTH0_CLIENT_SECRET',
  /**
   * Instead of the two above: a Secrets Manager secret id or ARN whose `SecretString` is JSON with
   * {@link AUTH0_SECRET_KEYS} (its `domain` is optional when `AUTH0_DOMAIN` is set).
   */
  secretId: 'AUTH0_M2M_SECRET_ID',
} as const;

/** Keys of the JSON object in the Secrets Manager secret named by `AUTH0_M2M_SECRET_ID`. */
export const AUTH0_SECRET_KEYS = {
  domain: 'domain',
  clientId: 'client_id',
  clientSecret: 'client_secret',
} as const;

/**
 * The scopes the M2M application needs, and why. Per Auth0's Management API reference
 * (https://auth0.com/docs/api/management/v2/clients): listing and reading clients accepts any of
 * `read:clients`, `read:client_keys`, `read:client_credentials`, `read:client_summary`, but
 * `client_authentication_methods` is only returned with `read:client_keys` or `read:client_credentials`
 * (we take the latter: `read:client_keys` would also reveal client secrets); configuring
 * `client_authentication_methods` needs `update:client_credentials`.
 */
export const AUTH0_SCOPES = {
  'read:clients': 'list clients (paginated) and read token_endpoint_auth_method',
  'read:client_credentials': "read clients' client_authentication_methods and list their credentials",
  'create:client_credentials': 'create x509_cert and cert_subject_dn credentials',
  'update:client_credentials': 'enable and disable credentials in client_authentication_methods',
  'delete:client_credentials': 'delete a credential on revoke and remove',
} as const;

/** Needed only for `--auth0-switch-to-mtls` (it clears the client's `token_endpoint_auth_method`). */
export const AUTH0_SWITCH_SCOPE = 'update:clients';

export type Auth0Scope = keyof typeof AUTH0_SCOPES | typeof AUTH0_SWITCH_SCOPE;
