/**
 * lib/config.ts: every required context key missing, and every malformed key, fails with ONE line that
 * names the key, the bad value and the fix.
 */
import {
  CONTEXT_KEYS,
  ConfigError,
  KEY_RULES,
  checkCaBundle,
  exampleContext,
  parseConfig,
  type RawContext,
} from '../../lib/config';
import { createCertificate, createTestPki } from '../../stand-ins/pki';
import { errorMessage } from '../../shared/errors';

const VALID: RawContext = {
  domainName: 'auth.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
  forwardingTarget: 'acme-cd-x.edge.tenants.eu.auth0.com',
  caBundle: 'certs/ca.pem',
};

function errorOf(raw: RawContext): string {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return errorMessage(error);
  }
  throw new Error('parseConfig accepted the context');
}

function expectOneLine(message: string, key: string): void {
  expect(message).not.toContain('\n');
  expect(message).toContain(`Context key "${key}"`);
  expect(message).toContain(`Fix: -c ${key}=`);
}

describe('parseConfig', () => {
  it('accepts the four required keys and applies the defaults', () => {
    const config = parseConfig(VALID);
    expect(config).toEqual({
      domainName: 'auth.example.com',
      mtlsDomainName: 'mtls.auth.example.com',
      certificateArn: VALID.certificateArn,
      region: 'eu-west-1',
      forwardingTarget: 'acme-cd-x.edge.tenants.eu.auth0.com',
      caBundlePath: 'certs/ca.pem',
      hostedZone: undefined,
      cnameApiKeySecretArn: undefined,
      caSignedPolicy: 'any',
      clientIpHeader: 'x-forwarded-for',
      allowedPaths: ['/oauth/token', '/oauth/par', '/userinfo'],
      alarmEmail: undefined,
      customDomainCertificateArn: undefined,
      cnameApiKeySecretKmsKeyArn: undefined,
      ownershipVerificationCertificateArn: undefined,
      apiGatewayCloudWatchRole: 'create',
      frontDoor: 'api-gateway',
      albWebAclArn: undefined,
      albDeletionProtection: true,
    });
  });

  it('accepts every optional key', () => {
    const config = parseConfig({
      ...VALID,
      hostedZoneId: 'Z0123456789ABC',
      hostedZoneName: 'example.com.',
      cnameApiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0-cname-AbCdEf',
      caSignedPolicy: 'registered',
      clientIpHeader: 'True-Client-IP',
      allowedPaths: '/oauth/token, /userinfo',
      alarmEmail: 'ops@example.com',
      customDomainCertificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/def',
    });
    expect(config.hostedZone).toEqual({ id: 'Z0123456789ABC', name: 'example.com' });
    expect(config.caSignedPolicy).toBe('registered');
    expect(config.clientIpHeader).toBe('true-client-ip');
    expect(config.allowedPaths).toEqual(['/oauth/token', '/userinfo']);
    expect(config.customDomainCertificateArn).toBe('arn:aws:acm:us-east-1:111111111111:certificate/def');
  });

  it.each(['domainName', 'certificateArn', 'forwardingTarget', 'caBundle'])(
    'a missing required key %s is named in one line',
    (key) => {
      const raw: Record<string, unknown> = { ...VALID };
      delete raw[key];
      const message = errorOf(raw);
      expectOneLine(message, key);
      expect(message).toContain('it is missing');
    },
  );

  it.each<[string, unknown]>([
    ['domainName', 'https://auth.example.com'],
    ['domainName', 'auth_example'],
    ['certificateArn', 'arn:aws:iam::111111111111:role/x'],
    ['forwardingTarget', 'https://acme-cd-x.edge.tenants.eu.auth0.com'],
    ['forwardingTarget', 'acme-cd-x.edge.tenants.eu.auth0.com/path'],
    ['caBundle', 42],
    ['hostedZoneId', 'not-a-zone'],
    ['hostedZoneName', 'other.org'],
    ['cnameApiKeySecretArn', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0key'],
    ['caSignedPolicy', 'strict'],
    ['clientIpHeader', 'x-real-ip'],
    ['allowedPaths', '/oauth/token,/admin'],
    ['allowedPaths', '/userinfo,/userinfo'],
    ['alarmEmail', 'not-an-email'],
    ['customDomainCertificateArn', 'arn:aws:acm:eu-west-1:111111111111:certificate/def'],
    ['frontDoor', 'nlb'],
    ['frontDoor', 'ALB'],
  ])('a malformed %s (%p) is named in one line with the bad value', (key, value) => {
    const zone = key.startsWith('hostedZone')
      ? { hostedZoneId: 'Z0123456789ABC', hostedZoneName: 'example.com' }
      : {};
    const message = errorOf({ ...VALID, ...zone, [key]: value });
    expectOneLine(message, key);
    expect(message).toContain(
      `got ${JSON.stringify(typeof value === 'string' ? value : JSON.stringify(value))}`,
    );
  });

  it('names hostedZoneName when only hostedZoneId is given', () => {
    expectOneLine(errorOf({ ...VALID, hostedZoneId: 'Z0123456789ABC' }), 'hostedZoneName');
  });

  it('names hostedZoneId when only hostedZoneName is given', () => {
    expectOneLine(errorOf({ ...VALID, hostedZoneName: 'example.com' }), 'hostedZoneId');
  });
});

describe('the key rules', () => {
  it('the app reads exactly the keys of docs/reference.md#context-keys, each of which has a rule', () => {
    expect([...CONTEXT_KEYS].sort()).toEqual(
      [
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
        'cnameApiKeySecretKmsKeyArn',
        'ownershipVerificationCertificateArn',
        'apiGatewayCloudWatchRole',
        'frontDoor',
        'albWebAclArn',
        'albDeletionProtection',
      ].sort(),
    );
    expect(Object.keys(KEY_RULES)).toEqual(CONTEXT_KEYS);
  });

  it.each([...CONTEXT_KEYS])('every key read is validated: a non-string %s is named in one line', (key) => {
    const message = errorOf({ ...VALID, [key]: { not: 'a string' } });
    expectOneLine(message, key);
    expect(message).toContain('got "{"not":"a string"}"');
  });

  it('each rule reads only keys parsed before it', () => {
    CONTEXT_KEYS.forEach((key, index) => {
      for (const dependency of KEY_RULES[key].after ?? []) {
        expect(CONTEXT_KEYS.indexOf(dependency)).toBeLessThan(index);
      }
    });
  });

  it("the keys' examples parse, all together", () => {
    const examples = exampleContext();
    expect(Object.keys(examples)).toEqual(CONTEXT_KEYS);
    const config = parseConfig(examples);
    expect(config.customDomainCertificateArn).toBe(examples.customDomainCertificateArn);
    expect(config.hostedZone).toEqual({ id: examples.hostedZoneId, name: examples.hostedZoneName });
  });

  it('every example is one shell word, so the "Fix: -c key=example" hint copy-pastes', () => {
    for (const example of Object.values(exampleContext())) {
      expect(example).toMatch(/^[A-Za-z0-9@%+=:,./_-]+$/);
    }
  });
});

describe('checkCaBundle', () => {
  it('accepts a root + intermediate bundle', async () => {
    const pki = await createTestPki('Config');
    expect(checkCaBundle('ca.pem', pki.caBundlePem)).toEqual([]);
  });

  it('refuses a file without certificates in one line naming caBundle', () => {
    expect(() => checkCaBundle('ca.pem', 'not a pem')).toThrow(
      /^Context key "caBundle": .*Fix: -c caBundle=/,
    );
  });

  it('refuses a bundle holding a leaf certificate (not a CA)', async () => {
    const pki = await createTestPki('Config');
    let message = '';
    try {
      checkCaBundle('ca.pem', pki.caBundlePem + pki.leaf.pem);
    } catch (error) {
      message = errorMessage(error);
    }
    expectOneLine(message, 'caBundle');
    expect(message).toContain('not-a-ca');
  });

  it('returns a warning for a CA expiring within 30 days', async () => {
    const root = await createCertificate({
      subject: 'CN=Soon Root',
      ca: true,
      notAfter: new Date(Date.now() + 5 * 86_400_000),
    });
    const warnings = checkCaBundle('ca.pem', root.pem);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('expiring-soon');
  });
});

describe('customDomainCertificateArn', () => {
  const EDGE = 'arn:aws:acm:us-east-1:111111111111:certificate/def';
  const SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0-cname-AbCdEf';

  it('defaults the client IP header to true-client-ip, the header the CloudFront edge sets', () => {
    expect(
      parseConfig({ ...VALID, customDomainCertificateArn: EDGE, cnameApiKeySecretArn: SECRET })
        .clientIpHeader,
    ).toBe('true-client-ip');
  });

  it('refuses another client IP header in one line naming clientIpHeader', () => {
    const message = errorOf({
      ...VALID,
      customDomainCertificateArn: EDGE,
      cnameApiKeySecretArn: SECRET,
      clientIpHeader: 'x-forwarded-for',
    });
    expect(message).toMatch(
      /^Context key "clientIpHeader": got "x-forwarded-for"; expected true-client-ip when/,
    );
    expect(message.split('\n')).toHaveLength(1);
  });

  it('requires a secret that already holds the key, in one line naming cnameApiKeySecretArn', () => {
    const message = errorOf({ ...VALID, customDomainCertificateArn: EDGE });
    expect(message).toMatch(
      /^Context key "cnameApiKeySecretArn": it is missing; expected the ARN of a secret that already holds/,
    );
    expect(message.split('\n')).toHaveLength(1);
  });
});

describe('cnameApiKeySecretKmsKeyArn, ownershipVerificationCertificateArn, apiGatewayCloudWatchRole', () => {
  const SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0-cname-AbCdEf';
  const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const OWNERSHIP = 'arn:aws:acm:eu-west-1:111111111111:certificate/public-one';

  it('accepts them', () => {
    const config = parseConfig({
      ...VALID,
      cnameApiKeySecretArn: SECRET,
      cnameApiKeySecretKmsKeyArn: KEY,
      ownershipVerificationCertificateArn: OWNERSHIP,
      apiGatewayCloudWatchRole: 'existing',
    });
    expect(config).toMatchObject({
      cnameApiKeySecretKmsKeyArn: KEY,
      ownershipVerificationCertificateArn: OWNERSHIP,
      apiGatewayCloudWatchRole: 'existing',
    });
  });

  it.each([
    [
      'cnameApiKeySecretKmsKeyArn',
      { cnameApiKeySecretArn: SECRET, cnameApiKeySecretKmsKeyArn: 'alias/my-key' },
      /customer-managed KMS key .*\(not an alias\)/,
    ],
    [
      'cnameApiKeySecretKmsKeyArn',
      { cnameApiKeySecretKmsKeyArn: KEY },
      /only together with cnameApiKeySecretArn/,
    ],
    [
      'cnameApiKeySecretKmsKeyArn',
      { cnameApiKeySecretArn: SECRET, cnameApiKeySecretKmsKeyArn: KEY.replace('eu-west-1', 'us-east-1') },
      /a key in the secret's region eu-west-1/,
    ],
    [
      'ownershipVerificationCertificateArn',
      { ownershipVerificationCertificateArn: 'arn:aws:iam::1:x' },
      /public ACM certificate/,
    ],
    ['apiGatewayCloudWatchRole', { apiGatewayCloudWatchRole: 'none' }, /"create" .* or "existing"/],
  ])('refuses a bad %s in one line naming it and the fix', (key, extra, expected) => {
    const message = errorOf({ ...VALID, ...extra });
    expectOneLine(message, key);
    expect(message).toMatch(expected);
  });
});

describe('frontDoor=alb and its keys', () => {
  const ALB = { ...VALID, frontDoor: 'alb' };
  const WEB_ACL =
    'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/edge/11111111-2222-3333-4444-555555555555';

  it('takes the load balancer, with deletion protection unless albDeletionProtection=false', () => {
    expect(parseConfig(ALB)).toMatchObject({
      frontDoor: 'alb',
      albWebAclArn: undefined,
      albDeletionProtection: true,
    });
    expect(parseConfig({ ...ALB, albDeletionProtection: 'false', albWebAclArn: WEB_ACL })).toMatchObject({
      albWebAclArn: WEB_ACL,
      albDeletionProtection: false,
    });
    expect(parseConfig({ ...VALID, frontDoor: 'api-gateway' }).frontDoor).toBe('api-gateway');
  });

  it.each<[string, unknown]>([
    [
      'albWebAclArn',
      'arn:aws:wafv2:us-east-1:111111111111:regional/webacl/edge/11111111-2222-3333-4444-555555555555',
    ],
    [
      'albWebAclArn',
      'arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/11111111-2222-3333-4444-555555555555',
    ],
    ['albWebAclArn', 'edge'],
    ['albDeletionProtection', 'no'],
    ['albDeletionProtection', true],
  ])('a malformed %s (%p) is named in one line with the bad value', (key, value) => {
    const message = errorOf({ ...ALB, [key]: value });
    expectOneLine(message, key);
    expect(message).toContain(
      `got ${JSON.stringify(typeof value === 'string' ? value : JSON.stringify(value))}`,
    );
  });

  it('a web ACL in another region than the certificate is refused, naming the region', () => {
    const message = errorOf({
      ...ALB,
      albWebAclArn: WEB_ACL.replace('eu-west-1', 'eu-central-1'),
    });
    expect(message).toContain('in eu-west-1');
  });

  it.each([
    ['albWebAclArn', WEB_ACL],
    ['albDeletionProtection', 'false'],
  ])(
    '%s without frontDoor=alb fails in one line naming frontDoor (the key would do nothing)',
    (key, value) => {
      for (const frontDoor of [undefined, 'api-gateway']) {
        const message = errorOf({ ...VALID, frontDoor, [key]: value });
        expectOneLine(message, 'frontDoor');
        expect(message).toContain(`"alb" when ${key} is given`);
      }
    },
  );
});
