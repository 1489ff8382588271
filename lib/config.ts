/**
 * The CDK app's configuration (CONTRACT 6.1): the context keys, validated once into a typed, readonly
 * object. Pure: `bin/app.ts` reads the context and the CA bundle file and hands the raw values in here;
 * nothing in `lib/` reads context, environment or files.
 *
 * Every failure is one line naming the key, the bad value and the fix.
 */
import { checkTruststore } from '../shared/truststore';
import {
  ALLOWED_METHODS,
  CLIENT_IP_HEADERS,
  EDGE_PATHS,
  type CaSignedPolicy,
  type ClientIpHeader,
  type EdgePath,
} from '../shared/contracts/proxy';
import { ConfigError } from '../shared/config-error';

export { ConfigError };

export interface HostedZoneConfig {
  readonly id: string;
  /** e.g. `example.com`, without a trailing dot. */
  readonly name: string;
}

export interface EdgeConfig {
  /** The Auth0 custom domain, e.g. `auth.example.com`. */
  readonly domainName: string;
  /** The host the edge serves: `mtls.<domainName>`. */
  readonly mtlsDomainName: string;
  /** ACM certificate for `mtls.<domainName>`. */
  readonly certificateArn: string;
  /** The certificate's region: the stack's region (a Regional API Gateway domain needs a same-region certificate). */
  readonly region: string;
  /** Auth0's forwarding target (origin domain name), a host without scheme. */
  readonly forwardingTarget: string;
  /** Path of the trusted client CA bundle, as given in the context. */
  readonly caBundlePath: string;
  /** @default - no DNS record; point DNS at the `RegionalDomainName` output yourself */
  readonly hostedZone?: HostedZoneConfig;
  /** @default - the stack creates an empty secret to be filled in */
  readonly cnameApiKeySecretArn?: string;
  readonly caSignedPolicy: CaSignedPolicy;
  readonly clientIpHeader: ClientIpHeader;
  readonly allowedPaths: readonly EdgePath[];
  /** @default - no email subscription on the alarms topic */
  readonly alarmEmail?: string;
  /** ACM certificate for `<domainName>` in us-east-1 (the custom domain's own CloudFront edge, issue 7). */
  readonly customDomainCertificateArn?: string;
}

/** Raw context values as CDK hands them over (strings from `-c`, any JSON from cdk.json). */
export type RawContext = Readonly<Record<string, unknown>>;

export const CONTEXT_KEYS = [
  'domainName',
  'certificateArn',
  'forwardingTarget',
  'caBundle',
  'hostedZoneId',
  'hostedZoneName',
  'cnameApiKeySecretArn',
  'caSignedPolicy',
  'clientIpHeader',
  'allowedPaths',
  'alarmEmail',
  'customDomainCertificateArn',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:certificate\/[A-Za-z0-9-]+$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isClientIpHeader(value: string): value is ClientIpHeader {
  return (CLIENT_IP_HEADERS as readonly string[]).includes(value);
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `"${(text ?? String(value)).slice(0, 120)}"`;
}

function fail(key: ContextKey, value: unknown, expected: string, example: string): never {
  const got = value === undefined ? 'it is missing' : `got ${show(value)}`;
  throw new ConfigError(`Context key "${key}": ${got}; expected ${expected}. Fix: -c ${key}=${example}`);
}

function optionalString(
  raw: RawContext,
  key: ContextKey,
  expected: string,
  example: string,
): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') fail(key, value, expected, example);
  return value.trim();
}

function requiredString(raw: RawContext, key: ContextKey, expected: string, example: string): string {
  const value = optionalString(raw, key, expected, example);
  if (value === undefined) fail(key, raw[key], expected, example);
  return value;
}

function hostname(raw: RawContext, key: ContextKey, expected: string, example: string): string {
  const value = requiredString(raw, key, expected, example);
  const host = value.toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(host)) fail(key, value, expected, example);
  return host;
}

/** Validates the context keys of CONTRACT 6.1. @throws ConfigError, one line naming the key and the fix */
export function parseConfig(raw: RawContext): EdgeConfig {
  const domainName = hostname(
    raw,
    'domainName',
    'the Auth0 custom domain as a host name (the edge serves mtls.<domainName>)',
    'auth.example.com',
  );

  const certExample = 'arn:aws:acm:eu-west-1:111111111111:certificate/<id>';
  const certificateArn = requiredString(
    raw,
    'certificateArn',
    `an ACM certificate ARN for mtls.${domainName}`,
    certExample,
  );
  const certRegion = ACM_ARN.exec(certificateArn)?.[1];
  if (!certRegion)
    fail('certificateArn', certificateArn, `an ACM certificate ARN for mtls.${domainName}`, certExample);

  const targetExpected =
    "Auth0's forwarding target (origin domain name) as a host name without scheme or path";
  const targetExample = 'acme-cd-abc123.edge.tenants.us.auth0.com';
  const rawTarget = requiredString(raw, 'forwardingTarget', targetExpected, targetExample);
  if (/[:/]/.test(rawTarget)) fail('forwardingTarget', rawTarget, targetExpected, targetExample);
  const forwardingTarget = hostname(raw, 'forwardingTarget', targetExpected, targetExample);

  const caBundlePath = requiredString(
    raw,
    'caBundle',
    'the path of the PEM bundle of trusted client CA certificates',
    'certs/client-ca-bundle.pem',
  );

  const zoneId = optionalString(raw, 'hostedZoneId', 'a Route 53 hosted zone id', 'Z0123456789ABCDEFGHIJ');
  const zoneName = optionalString(raw, 'hostedZoneName', 'the hosted zone name', 'example.com');
  let hostedZone: HostedZoneConfig | undefined;
  if (zoneId !== undefined || zoneName !== undefined) {
    if (zoneId === undefined) {
      fail(
        'hostedZoneId',
        undefined,
        'it together with hostedZoneName (both or neither)',
        'Z0123456789ABCDEFGHIJ',
      );
    }
    if (!HOSTED_ZONE_ID.test(zoneId))
      fail('hostedZoneId', zoneId, 'a Route 53 hosted zone id', 'Z0123456789ABCDEFGHIJ');
    const zoneExample = domainName.split('.').slice(-2).join('.');
    if (zoneName === undefined) {
      fail('hostedZoneName', undefined, 'it together with hostedZoneId (both or neither)', zoneExample);
    }
    const name = zoneName.toLowerCase().replace(/\.$/, '');
    if (!HOSTNAME.test(name) || !`mtls.${domainName}`.endsWith(`.${name}`)) {
      fail('hostedZoneName', zoneName, `a hosted zone that contains mtls.${domainName}`, zoneExample);
    }
    hostedZone = { id: zoneId, name };
  }

  const cnameApiKeySecretArn = optionalString(
    raw,
    'cnameApiKeySecretArn',
    'a complete Secrets Manager secret ARN (ending in -XXXXXX)',
    'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0-cname-api-key-AbCdEf',
  );
  if (cnameApiKeySecretArn !== undefined && !SECRET_ARN.test(cnameApiKeySecretArn)) {
    fail(
      'cnameApiKeySecretArn',
      cnameApiKeySecretArn,
      'a complete Secrets Manager secret ARN (ending in -XXXXXX, as `aws secretsmanager describe-secret` prints it)',
      'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0-cname-api-key-AbCdEf',
    );
  }

  const policy = optionalString(raw, 'caSignedPolicy', '"any" or "registered"', 'registered') ?? 'any';
  if (policy !== 'any' && policy !== 'registered')
    fail('caSignedPolicy', policy, '"any" or "registered"', 'registered');

  const pathsExpected = `a comma-separated, non-empty subset of ${EDGE_PATHS.join(',')}`;
  const pathsRaw = optionalString(raw, 'allowedPaths', pathsExpected, '/oauth/token,/userinfo');
  const allowedPaths = (pathsRaw ?? EDGE_PATHS.join(','))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (
    allowedPaths.length === 0 ||
    new Set(allowedPaths).size !== allowedPaths.length ||
    !allowedPaths.every((p): p is EdgePath => Object.hasOwn(ALLOWED_METHODS, p))
  ) {
    fail('allowedPaths', pathsRaw, pathsExpected, '/oauth/token,/userinfo');
  }

  const alarmEmail = optionalString(raw, 'alarmEmail', 'an email address', 'ops@example.com');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    fail('alarmEmail', alarmEmail, 'an email address', 'ops@example.com');
  }

  const edgeCertExample = 'arn:aws:acm:us-east-1:111111111111:certificate/<id>';
  const customDomainCertificateArn = optionalString(
    raw,
    'customDomainCertificateArn',
    `an ACM certificate ARN for ${domainName} in us-east-1`,
    edgeCertExample,
  );
  if (
    customDomainCertificateArn !== undefined &&
    ACM_ARN.exec(customDomainCertificateArn)?.[1] !== 'us-east-1'
  ) {
    fail(
      'customDomainCertificateArn',
      customDomainCertificateArn,
      `an ACM certificate ARN for ${domainName} in us-east-1 (CloudFront only uses us-east-1 certificates)`,
      edgeCertExample,
    );
  }

  // Auth0's `custom_client_ip_header` is a setting of the custom domain, so it covers both hosts: with our
  // CloudFront edge (which sets true-client-ip) the mTLS host must send the same header.
  const headers = CLIENT_IP_HEADERS as readonly string[];
  const defaultIpHeader = customDomainCertificateArn ? 'true-client-ip' : 'x-forwarded-for';
  const clientIpHeader = (
    optionalString(raw, 'clientIpHeader', `one of ${headers.join(', ')}`, 'true-client-ip') ?? defaultIpHeader
  ).toLowerCase();
  if (!isClientIpHeader(clientIpHeader)) {
    fail('clientIpHeader', clientIpHeader, `one of ${headers.join(', ')}`, 'true-client-ip');
  }
  if (customDomainCertificateArn && clientIpHeader !== 'true-client-ip') {
    fail(
      'clientIpHeader',
      clientIpHeader,
      'true-client-ip when customDomainCertificateArn is given (the CloudFront edge sends it, and the Auth0 custom domain takes one custom_client_ip_header for both hosts)',
      'true-client-ip',
    );
  }
  if (customDomainCertificateArn && cnameApiKeySecretArn === undefined) {
    fail(
      'cnameApiKeySecretArn',
      undefined,
      'the ARN of a secret that already holds the CNAME API key when customDomainCertificateArn is given (CloudFormation resolves it into the CloudFront distribution at deploy time and fails on an empty secret)',
      'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0-cname-api-key-AbCdEf',
    );
  }

  return {
    domainName,
    mtlsDomainName: `mtls.${domainName}`,
    certificateArn,
    region: certRegion,
    forwardingTarget,
    caBundlePath,
    hostedZone,
    cnameApiKeySecretArn,
    caSignedPolicy: policy,
    clientIpHeader,
    allowedPaths,
    alarmEmail,
    customDomainCertificateArn,
  };
}

/**
 * Checks the CA bundle's text with the truststore rules (CONTRACT 6.2), so a bundle API Gateway or the
 * builder would refuse fails synthesis instead of the deployment.
 * @returns the warnings (e.g. a CA expiring within 30 days), one line each
 * @throws ConfigError naming `caBundle` and the first errors
 */
export function checkCaBundle(path: string, pemText: string, now?: Date): string[] {
  const result = checkTruststore(pemText, { now });
  if (!result.ok || result.certificates === 0) {
    const reasons = result.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'no certificate in it';
    throw new ConfigError(
      `Context key "caBundle": the file ${show(path)} is not a usable CA bundle (${reasons}). Fix: -c caBundle=<PEM file of your client CA root and intermediate certificates>`,
    );
  }
  return result.warnings.map((w) => `caBundle ${path}: ${w.code}: ${w.message}`);
}
