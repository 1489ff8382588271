/**
 * The CDK app's configuration (docs/reference.md#context-keys): the context keys, validated once into a typed, readonly
 * {@link EdgeConfig}. Pure: `bin/app.ts` reads the context and the CA bundle file and hands the raw values
 * in here; nothing in `lib/` reads context, environment or files.
 *
 * One rule per key ({@link KEY_RULES}: the value it expects, an example, its default) and one named rule
 * per combination of keys ({@link CROSS_KEY_RULES}). The keys the app reads ({@link CONTEXT_KEYS}) are the
 * table's keys, so no key is read without being validated, nor validated without being read. Every
 * failure is one line naming the key, the bad value and the fix.
 *
 * Adding a key: its parsed type in {@link ContextValues} and its rule in {@link KEY_RULES} (the compiler
 * wants both), its documented prop in {@link EdgeConfig} (a value of the same name and type is carried
 * over as is); a check across keys is one more function in {@link CROSS_KEY_RULES}.
 */
import { checkTruststore } from '../shared/truststore';
import {
  CA_SIGNED_POLICIES,
  CLIENT_IP_HEADERS,
  CUSTOM_DOMAIN_CLIENT_IP_HEADER,
  EDGE_PATHS,
  PROXY_DEFAULTS,
  isEdgePath,
  type CaSignedPolicy,
  type ClientIpHeader,
  type EdgePath,
} from '../shared/contracts/proxy';
import { ConfigError } from '../shared/config-error';
import { DEFAULT_FRONT_DOOR, FRONT_DOORS, type FrontDoor } from '../shared/contracts/alb';

export { ConfigError };

export interface HostedZoneConfig {
  readonly id: string;
  /** e.g. `example.com`, without a trailing dot. */
  readonly name: string;
}

/** The validated configuration the stack is built from. */
export interface EdgeConfig {
  /** The Auth0 custom domain, e.g. `auth.example.com` (key `domainName`). */
  readonly domainName: string;
  /** The host the edge serves: `mtls.<domainName>`. */
  readonly mtlsDomainName: string;
  /** ACM certificate for `mtls.<domainName>` (key `certificateArn`). */
  readonly certificateArn: string;
  /** The certificate's region: the stack's region (a Regional API Gateway domain needs a same-region certificate). */
  readonly region: string;
  /** Auth0's forwarding target (origin domain name), a host without scheme (key `forwardingTarget`). */
  readonly forwardingTarget: string;
  /** Path of the trusted client CA bundle, as given in the context (key `caBundle`). */
  readonly caBundlePath: string;
  /**
   * The Route 53 zone that gets the alias records (keys `hostedZoneId` and `hostedZoneName`).
   * @default - no DNS record; point DNS at the `RegionalDomainName` output yourself
   */
  readonly hostedZone?: HostedZoneConfig;
  /**
   * An existing secret holding Auth0's CNAME API key (key `cnameApiKeySecretArn`).
   * @default - the stack creates an empty secret to be filled in
   */
  readonly cnameApiKeySecretArn?: string;
  /** Which CA-signed client certificates pass (key `caSignedPolicy`; `any` when unset). */
  readonly caSignedPolicy: CaSignedPolicy;
  /**
   * The header that carries the end-user IP to Auth0 (key `clientIpHeader`; when unset, `true-client-ip`
   * with the CloudFront edge, `x-forwarded-for` without).
   */
  readonly clientIpHeader: ClientIpHeader;
  /** The paths the edge forwards (key `allowedPaths`; every edge path when unset). */
  readonly allowedPaths: readonly EdgePath[];
  /**
   * Subscribed to the alarms topic (key `alarmEmail`).
   * @default - no email subscription on the alarms topic
   */
  readonly alarmEmail?: string;
  /**
   * ACM certificate for `<domainName>` in us-east-1: the stack also provisions the custom domain's own
   * CloudFront edge (key `customDomainCertificateArn`).
   * @default - no CloudFront edge; the stack provisions nothing for `<domainName>` itself
   */
  readonly customDomainCertificateArn?: string;
  /**
   * The customer-managed KMS key of the existing `cnameApiKeySecretArn` (key `cnameApiKeySecretKmsKeyArn`):
   * the proxy may decrypt with it, through Secrets Manager only.
   * @default - the secret uses aws/secretsmanager
   */
  readonly cnameApiKeySecretKmsKeyArn?: string;
  /**
   * A public ACM certificate proving ownership of `mtls.<domainName>` (key
   * `ownershipVerificationCertificateArn`), needed with mTLS when `certificateArn` is imported or issued by
   * a private CA.
   * @default - none
   */
  readonly ownershipVerificationCertificateArn?: string;
  /**
   * API Gateway's account-level CloudWatch Logs role, which the stage's access logging needs (key
   * `apiGatewayCloudWatchRole`): `create` (when unset) sets it, retained on deletion; `existing` leaves it
   * to the account.
   */
  readonly apiGatewayCloudWatchRole: ApiGatewayCloudWatchRole;
  /**
   * What serves `mtls.<domainName>` (key `frontDoor`; `api-gateway` when unset): API Gateway with the
   * truststore, or an Application Load Balancer with mutual TLS passthrough (docs/front-doors.md).
   */
  readonly frontDoor: FrontDoor;
  /**
   * A regional AWS WAF web ACL associated with the load balancer (key `albWebAclArn`, `frontDoor=alb` only).
   * @default - no web ACL
   */
  readonly albWebAclArn?: string;
  /**
   * Whether CloudFormation may not delete the load balancer (key `albDeletionProtection`, `frontDoor=alb`
   * only; `true` when unset).
   */
  readonly albDeletionProtection: boolean;
}

/** Who provides API Gateway's account-level CloudWatch Logs role. */
export const API_GATEWAY_CLOUDWATCH_ROLES = ['create', 'existing'] as const;
export type ApiGatewayCloudWatchRole = (typeof API_GATEWAY_CLOUDWATCH_ROLES)[number];

/** Raw context values as CDK hands them over (strings from `-c`, any JSON from cdk.json). */
export type RawContext = Readonly<Record<string, unknown>>;

/** An ACM certificate ARN and the region it names. */
export interface AcmCertificateArn {
  readonly arn: string;
  readonly region: string;
}

/** Each context key's value once its own rule accepted it, before the keys are combined. */
export interface ContextValues {
  readonly domainName: string;
  readonly certificateArn: AcmCertificateArn;
  readonly forwardingTarget: string;
  readonly caBundle: string;
  readonly hostedZoneId: string | undefined;
  readonly hostedZoneName: string | undefined;
  readonly cnameApiKeySecretArn: string | undefined;
  readonly caSignedPolicy: CaSignedPolicy;
  readonly allowedPaths: readonly EdgePath[];
  readonly alarmEmail: string | undefined;
  readonly customDomainCertificateArn: string | undefined;
  readonly clientIpHeader: ClientIpHeader;
  readonly cnameApiKeySecretKmsKeyArn: string | undefined;
  readonly ownershipVerificationCertificateArn: string | undefined;
  readonly apiGatewayCloudWatchRole: ApiGatewayCloudWatchRole;
  readonly frontDoor: FrontDoor;
  readonly albWebAclArn: string | undefined;
  readonly albDeletionProtection: boolean | undefined;
}

export type ContextKey = keyof ContextValues;

// ---------------------------------------------------------------------------------------------------
// The shape of a key rule

/** The values of the keys a rule reads: its `after` keys, parsed before it. */
type Parsed<D extends ContextKey> = Pick<ContextValues, D>;

/** A message text, fixed or made from the keys parsed before. */
type Text<D extends ContextKey> = string | ((parsed: Parsed<D>) => string);

/** Fails the key with its value; with the rule's own `expected` and `example` unless given. */
export type Reject = (detail?: { readonly expected?: string; readonly example?: string }) => never;

interface KeyRuleShape<T, D extends ContextKey> {
  /**
   * Keys whose values this rule reads; they come before it in {@link KEY_RULES}.
   * @default - none
   */
  readonly after?: readonly D[];
  /** What a good value is, as the failure says it: `expected <expected>`. */
  readonly expected: Text<D>;
  /** A good value, as the failure's fix says it: `Fix: -c <key>=<example>`. */
  readonly example: Text<D>;
  /** The given value (a string, trimmed) → its typed value, or `reject()`. */
  readonly parse: (value: string, parsed: Parsed<D>, reject: Reject) => T;
}

/**
 * The rule of one context key. An absent key (unset, null or '') fails with "it is missing" when the
 * key is `required`, and takes its `default` otherwise; a value that is not a string fails.
 */
export type KeyRule<T, D extends ContextKey = never> = KeyRuleShape<T, D> &
  ({ readonly required: true } | { readonly default: (parsed: Parsed<D>) => T });

/**
 * Types a rule from its own text: the value type from `parse`/`default`, and `parsed` narrowed to the
 * keys in `after`, so reading any other key does not compile. (`NoInfer` keeps TypeScript from taking
 * them from the table's type instead, which would let every rule read every key.)
 */
function keyRule<T, D extends ContextKey = never>(rule: KeyRule<T, D>): KeyRule<NoInfer<T>, NoInfer<D>> {
  return rule;
}

/** The default of an optional key that has none. */
const NONE = (): undefined => undefined;

// ---------------------------------------------------------------------------------------------------
// Value formats

const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:certificate\/[A-Za-z0-9-]+$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:key\/[A-Za-z0-9-]+$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const WEB_ACL_ARN =
  /^arn:aws[a-z-]*:wafv2:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:regional\/webacl\/[A-Za-z0-9_-]{1,128}\/[0-9a-f-]{36}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const HOSTED_ZONE_ID_EXAMPLE = 'Z0123456789ABCDEFGHIJ';
const SECRET_ARN_EXAMPLE = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0-cname-api-key-AbCdEf';
const KMS_KEY_ARN_EXAMPLE = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** The CloudFront edge's certificate must be in us-east-1: CloudFront only uses certificates there. */
const CLOUDFRONT_CERTIFICATE_REGION = 'us-east-1';

/** A host name, lower-cased and without a trailing dot; undefined when it is none. */
function hostName(value: string): string | undefined {
  const host = value.toLowerCase().replace(/\.$/, '');
  return HOSTNAME.test(host) ? host : undefined;
}

/** The region of an ACM certificate ARN; undefined when the value is none. */
function acmRegion(value: string): string | undefined {
  return ACM_ARN.exec(value)?.[1];
}

function isOneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}

/** The zone an operator most likely means for `mtls.<domainName>`: its registrable domain. */
function zoneExample(domainName: string): string {
  return domainName.split('.').slice(-2).join('.');
}

// ---------------------------------------------------------------------------------------------------
// One rule per key, in the order they are parsed

/** Every context key of docs/reference.md#context-keys and its rule. Parsed in this order: a rule reads only keys above it. */
export const KEY_RULES: { readonly [K in ContextKey]: KeyRule<ContextValues[K], ContextKey> } = {
  /** The Auth0 custom domain; the edge serves `mtls.<domainName>`. */
  domainName: keyRule({
    required: true,
    expected: 'the Auth0 custom domain as a host name (the edge serves mtls.<domainName>)',
    example: 'auth.example.com',
    parse: (value, _, reject) => hostName(value) ?? reject(),
  }),

  /** ACM certificate of `mtls.<domainName>`; its region is the stack's region. */
  certificateArn: keyRule({
    required: true,
    after: ['domainName'],
    expected: ({ domainName }) => `an ACM certificate ARN for mtls.${domainName}`,
    example: 'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-2222-3333-4444-555555555555',
    parse: (value, _, reject) => ({ arn: value, region: acmRegion(value) ?? reject() }),
  }),

  /** Auth0's origin domain name for the custom domain (a host name: no scheme, no port, no path). */
  forwardingTarget: keyRule({
    required: true,
    expected: "Auth0's forwarding target (origin domain name) as a host name without scheme or path",
    example: 'acme-cd-abc123.edge.tenants.us.auth0.com',
    parse: (value, _, reject) => hostName(value) ?? reject(),
  }),

  /** Path of the PEM bundle of trusted client CAs (bin/ reads it; {@link checkCaBundle} checks it). */
  caBundle: keyRule({
    required: true,
    expected: 'the path of the PEM bundle of trusted client CA certificates',
    example: 'certs/client-ca-bundle.pem',
    parse: (value) => value,
  }),

  /** The Route 53 zone for the alias records, with `hostedZoneName`. */
  hostedZoneId: keyRule({
    default: NONE,
    expected: 'a Route 53 hosted zone id',
    example: HOSTED_ZONE_ID_EXAMPLE,
    parse: (value, _, reject) => (HOSTED_ZONE_ID.test(value) ? value : reject()),
  }),

  /** The name of that zone, which must contain `mtls.<domainName>`. */
  hostedZoneName: keyRule({
    default: NONE,
    after: ['domainName'],
    expected: 'the hosted zone name',
    example: 'example.com',
    parse: (value, { domainName }, reject) => {
      const name = hostName(value);
      if (name !== undefined && `mtls.${domainName}`.endsWith(`.${name}`)) return name;
      return reject({
        expected: `a hosted zone that contains mtls.${domainName}`,
        example: zoneExample(domainName),
      });
    },
  }),

  /** An existing secret holding Auth0's CNAME API key, as its complete ARN. */
  cnameApiKeySecretArn: keyRule({
    default: NONE,
    expected: 'a complete Secrets Manager secret ARN (ending in -XXXXXX)',
    example: SECRET_ARN_EXAMPLE,
    parse: (value, _, reject) =>
      SECRET_ARN.test(value)
        ? value
        : reject({
            expected:
              'a complete Secrets Manager secret ARN (ending in -XXXXXX, as `aws secretsmanager describe-secret` prints it)',
          }),
  }),

  /** Which CA-signed client certificates pass: `any` (unless revoked) or only `registered` ones. */
  caSignedPolicy: keyRule({
    default: () => PROXY_DEFAULTS.caSignedPolicy,
    expected: CA_SIGNED_POLICIES.map((policy) => `"${policy}"`).join(' or '),
    example: 'registered',
    parse: (value, _, reject) => (isOneOf(CA_SIGNED_POLICIES, value) ? value : reject()),
  }),

  /** The paths the edge forwards, comma-separated, each at most once. */
  allowedPaths: keyRule({
    default: () => PROXY_DEFAULTS.allowedPaths,
    expected: `a comma-separated, non-empty subset of ${EDGE_PATHS.join(',')}`,
    example: '/oauth/token,/userinfo',
    parse: (value, _, reject) => {
      const paths = value
        .split(',')
        .map((path) => path.trim())
        .filter(Boolean);
      const ok = paths.length > 0 && new Set(paths).size === paths.length;
      return ok && paths.every(isEdgePath) ? paths : reject();
    },
  }),

  /** An address subscribed to the alarms topic. */
  alarmEmail: keyRule({
    default: NONE,
    expected: 'an email address',
    example: 'ops@example.com',
    parse: (value, _, reject) => (EMAIL.test(value) ? value : reject()),
  }),

  /** ACM certificate of `<domainName>` for the custom domain's own CloudFront edge. */
  customDomainCertificateArn: keyRule({
    default: NONE,
    after: ['domainName'],
    expected: ({ domainName }) =>
      `an ACM certificate ARN for ${domainName} in ${CLOUDFRONT_CERTIFICATE_REGION}`,
    example: `arn:aws:acm:${CLOUDFRONT_CERTIFICATE_REGION}:111111111111:certificate/66666666-7777-8888-9999-000000000000`,
    parse: (value, { domainName }, reject) =>
      acmRegion(value) === CLOUDFRONT_CERTIFICATE_REGION
        ? value
        : reject({
            expected: `an ACM certificate ARN for ${domainName} in ${CLOUDFRONT_CERTIFICATE_REGION} (CloudFront only uses ${CLOUDFRONT_CERTIFICATE_REGION} certificates)`,
          }),
  }),

  /**
   * The end-user IP header for Auth0 (its `custom_client_ip_header`), case-insensitive. Unset, it is the
   * CloudFront edge's header when there is an edge, else the proxy's default.
   */
  clientIpHeader: keyRule({
    after: ['customDomainCertificateArn'],
    default: ({ customDomainCertificateArn }) =>
      customDomainCertificateArn ? CUSTOM_DOMAIN_CLIENT_IP_HEADER : PROXY_DEFAULTS.clientIpHeader,
    expected: `one of ${CLIENT_IP_HEADERS.join(', ')}`,
    example: CUSTOM_DOMAIN_CLIENT_IP_HEADER,
    parse: (value, _, reject) => {
      const header = value.toLowerCase();
      return isOneOf(CLIENT_IP_HEADERS, header) ? header : reject();
    },
  }),

  /** The customer-managed KMS key of the existing secret (Secrets Manager decrypts with it for the proxy). */
  cnameApiKeySecretKmsKeyArn: keyRule({
    default: NONE,
    expected: 'the ARN of the customer-managed KMS key that encrypts cnameApiKeySecretArn (not an alias)',
    example: KMS_KEY_ARN_EXAMPLE,
    parse: (value, _, reject) => (KMS_KEY_ARN.test(value) ? value : reject()),
  }),

  /** A public ACM certificate proving ownership of `mtls.<domainName>` (imported or private-CA certificateArn). */
  ownershipVerificationCertificateArn: keyRule({
    default: NONE,
    after: ['domainName'],
    expected: ({ domainName }) =>
      `the ARN of a public ACM certificate for mtls.${domainName} (needed when certificateArn is imported or from a private CA)`,
    example: 'arn:aws:acm:eu-west-1:111111111111:certificate/22222222-3333-4444-5555-666666666666',
    parse: (value, _, reject) => (acmRegion(value) !== undefined ? value : reject()),
  }),

  /** Who sets API Gateway's account-level CloudWatch Logs role: this stack, or the account already. */
  apiGatewayCloudWatchRole: keyRule({
    default: () => 'create' as const,
    expected:
      '"create" (the stack sets the account\'s API Gateway CloudWatch Logs role, retained) or "existing" (the account already has one)',
    example: 'existing',
    parse: (value, _, reject) => (isOneOf(API_GATEWAY_CLOUDWATCH_ROLES, value) ? value : reject()),
  }),

  /** What serves `mtls.<domainName>`: API Gateway, or the Application Load Balancer (docs/front-doors.md). */
  frontDoor: keyRule({
    default: () => DEFAULT_FRONT_DOOR,
    expected: FRONT_DOORS.map((door) => `"${door}"`).join(' or '),
    example: 'alb',
    parse: (value, _, reject) => (isOneOf(FRONT_DOORS, value) ? value : reject()),
  }),

  /** A regional AWS WAF web ACL for the load balancer, in the stack's (the certificate's) region. */
  albWebAclArn: keyRule({
    default: NONE,
    after: ['certificateArn'],
    expected: ({ certificateArn }) =>
      `a regional AWS WAF web ACL ARN in ${certificateArn.region} (the certificate's region)`,
    example: ({ certificateArn }) =>
      `arn:aws:wafv2:${certificateArn.region}:111111111111:regional/webacl/edge/11111111-2222-3333-4444-555555555555`,
    parse: (value, { certificateArn }, reject) =>
      WEB_ACL_ARN.exec(value)?.[1] === certificateArn.region ? value : reject(),
  }),

  /**
   * `false` lets CloudFormation delete the load balancer (to destroy the stack, or replace the ALB);
   * unset, deletion protection is on.
   */
  albDeletionProtection: keyRule({
    default: NONE,
    expected: '"true" or "false"',
    example: 'false',
    parse: (value, _, reject) => (value === 'true' ? true : value === 'false' ? false : reject()),
  }),
};

/** The context keys the app reads: exactly those {@link KEY_RULES} validates. */
export const CONTEXT_KEYS = Object.keys(KEY_RULES) as readonly ContextKey[];

// ---------------------------------------------------------------------------------------------------
// Rules across keys, each naming the key to fix

/** Checks values that are fine one by one but not together; throws a ConfigError naming one key. */
export type CrossKeyRule = (values: ContextValues) => void;

/** `hostedZoneId` and `hostedZoneName` name one zone: both or neither. */
function hostedZoneBothOrNeither({ domainName, hostedZoneId, hostedZoneName }: ContextValues): void {
  if (hostedZoneName !== undefined && hostedZoneId === undefined) {
    failKey(
      'hostedZoneId',
      undefined,
      'it together with hostedZoneName (both or neither)',
      HOSTED_ZONE_ID_EXAMPLE,
    );
  }
  if (hostedZoneId !== undefined && hostedZoneName === undefined) {
    failKey(
      'hostedZoneName',
      undefined,
      'it together with hostedZoneId (both or neither)',
      zoneExample(domainName),
    );
  }
}

/**
 * With the CloudFront edge, the client IP header is the edge's. Auth0's `custom_client_ip_header` is a
 * setting of the custom domain, so it covers both hosts: the mTLS host must send the header the
 * CloudFront edge sends.
 */
function clientIpHeaderIsTheEdges({ customDomainCertificateArn, clientIpHeader }: ContextValues): void {
  if (customDomainCertificateArn !== undefined && clientIpHeader !== CUSTOM_DOMAIN_CLIENT_IP_HEADER) {
    failKey(
      'clientIpHeader',
      clientIpHeader,
      `${CUSTOM_DOMAIN_CLIENT_IP_HEADER} when customDomainCertificateArn is given (the CloudFront edge sends it, and the Auth0 custom domain takes one custom_client_ip_header for both hosts)`,
      CUSTOM_DOMAIN_CLIENT_IP_HEADER,
    );
  }
}

/**
 * The CloudFront edge needs an existing, filled secret: CloudFormation resolves the key into the
 * distribution at deploy time and fails on an empty secret (the one the stack would create).
 */
function cloudFrontEdgeHasAFilledSecret({
  customDomainCertificateArn,
  cnameApiKeySecretArn,
}: ContextValues): void {
  if (customDomainCertificateArn !== undefined && cnameApiKeySecretArn === undefined) {
    failKey(
      'cnameApiKeySecretArn',
      undefined,
      'the ARN of a secret that already holds the CNAME API key when customDomainCertificateArn is given (CloudFormation resolves it into the CloudFront distribution at deploy time and fails on an empty secret)',
      SECRET_ARN_EXAMPLE,
    );
  }
}

/**
 * The KMS key belongs to the existing secret (a secret the stack creates uses aws/secretsmanager), and
 * lives in the secret's region (Secrets Manager encrypts with a key of its own region).
 */
function secretKmsKeyIsTheSecrets({ cnameApiKeySecretArn, cnameApiKeySecretKmsKeyArn }: ContextValues): void {
  if (cnameApiKeySecretKmsKeyArn === undefined) return;
  if (cnameApiKeySecretArn === undefined) {
    failKey(
      'cnameApiKeySecretKmsKeyArn',
      cnameApiKeySecretKmsKeyArn,
      'it only together with cnameApiKeySecretArn (a secret the stack creates uses aws/secretsmanager); remove it or give the secret',
      KMS_KEY_ARN_EXAMPLE,
    );
  }
  const secretRegion = cnameApiKeySecretArn.split(':')[3] ?? '';
  if (KMS_KEY_ARN.exec(cnameApiKeySecretKmsKeyArn)?.[1] !== secretRegion) {
    failKey(
      'cnameApiKeySecretKmsKeyArn',
      cnameApiKeySecretKmsKeyArn,
      `a key in the secret's region ${secretRegion} (Secrets Manager encrypts with a key of its own region)`,
      KMS_KEY_ARN_EXAMPLE.replace('eu-west-1', secretRegion),
    );
  }
}

/** The load balancer's keys configure the load balancer: without `frontDoor=alb` they would do nothing. */
function albKeysNeedTheAlb({ frontDoor, albWebAclArn, albDeletionProtection }: ContextValues): void {
  if (frontDoor === 'alb') return;
  const given =
    albWebAclArn !== undefined
      ? 'albWebAclArn'
      : albDeletionProtection !== undefined
        ? 'albDeletionProtection'
        : undefined;
  if (given !== undefined) {
    failKey('frontDoor', frontDoor, `"alb" when ${given} is given (it configures the load balancer)`, 'alb');
  }
}

/** Checked in this order, after every key passed its own rule. */
export const CROSS_KEY_RULES: readonly CrossKeyRule[] = [
  hostedZoneBothOrNeither,
  clientIpHeaderIsTheEdges,
  cloudFrontEdgeHasAFilledSecret,
  secretKmsKeyIsTheSecrets,
  albKeysNeedTheAlb,
];

// ---------------------------------------------------------------------------------------------------
// Parsing

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `"${(text ?? String(value)).slice(0, 120)}"`;
}

/** Throws the one-line failure of a key: the key, the bad value (or that it is missing) and the fix. */
function failKey(key: ContextKey, value: unknown, expected: string, example: string): never {
  const got = value === undefined ? 'it is missing' : `got ${show(value)}`;
  throw new ConfigError(`Context key "${key}": ${got}; expected ${expected}. Fix: -c ${key}=${example}`);
}

/** Applies the key's rule to its raw value; `parsed` holds the keys before it. */
function parseKey<K extends ContextKey>(key: K, value: unknown, parsed: ContextValues): ContextValues[K] {
  const rule: KeyRule<ContextValues[K], ContextKey> = KEY_RULES[key];
  const text = (t: Text<ContextKey>): string => (typeof t === 'string' ? t : t(parsed));
  const rejecting =
    (got: unknown): Reject =>
    (detail = {}) =>
      failKey(key, got, detail.expected ?? text(rule.expected), detail.example ?? text(rule.example));
  if (value === undefined || value === null || value === '') {
    return 'required' in rule ? rejecting(value)() : rule.default(parsed);
  }
  if (typeof value !== 'string') return rejecting(value)();
  const trimmed = value.trim();
  return rule.parse(trimmed, parsed, rejecting(trimmed));
}

/** Every key through its own rule, in table order. @throws ConfigError naming the first bad key */
function parseKeys(raw: RawContext): ContextValues {
  const parsed: Partial<Record<ContextKey, unknown>> = {};
  for (const key of CONTEXT_KEYS) parsed[key] = parseKey(key, raw[key], parsed as ContextValues);
  return parsed as ContextValues;
}

/** Combines the keys' values into the config: the values of the same name and type carry over. */
function toEdgeConfig(values: ContextValues): EdgeConfig {
  const { certificateArn, caBundle, hostedZoneId, hostedZoneName, albDeletionProtection, ...sameName } =
    values;
  return {
    ...sameName,
    albDeletionProtection: albDeletionProtection ?? true,
    mtlsDomainName: `mtls.${values.domainName}`,
    certificateArn: certificateArn.arn,
    region: certificateArn.region,
    caBundlePath: caBundle,
    hostedZone:
      hostedZoneId !== undefined && hostedZoneName !== undefined
        ? { id: hostedZoneId, name: hostedZoneName }
        : undefined,
  };
}

/** Validates the context keys of docs/reference.md#context-keys. @throws ConfigError, one line naming the key and the fix */
export function parseConfig(raw: RawContext): EdgeConfig {
  const values = parseKeys(raw);
  for (const rule of CROSS_KEY_RULES) rule(values);
  return toEdgeConfig(values);
}

/** A context in which every key holds its rule's example (the examples of later keys fit the earlier). */
export function exampleContext(): Record<ContextKey, string> {
  const examples: Partial<Record<ContextKey, string>> = {};
  const parsed: Partial<Record<ContextKey, unknown>> = {};
  for (const key of CONTEXT_KEYS) {
    const { example } = KEY_RULES[key];
    const text = typeof example === 'string' ? example : example(parsed as ContextValues);
    examples[key] = text;
    parsed[key] = parseKey(key, text, parsed as ContextValues);
  }
  return examples as Record<ContextKey, string>;
}

/** The failure of a `caBundle` file that cannot be read (`reason`: the system error code, e.g. ENOENT). */
export function unreadableCaBundle(path: string, reason: string): ConfigError {
  return new ConfigError(
    `Context key "caBundle": cannot read "${path}" (${reason}). Fix: -c caBundle=<path of your client CA bundle PEM>`,
  );
}

/**
 * Checks the CA bundle's text with the truststore rules (docs/reference.md#truststore-checks), so a bundle API Gateway or the
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
