import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { AwsSolutionsChecks } from 'cdk-nag';
import { VIEWER_REQUEST_FUNCTION_FILE, type CustomDomainEdge } from '../../lib/custom-domain-edge';
import { EDGE_ALONE, EDGE_GATE_VARIANTS, buildCustomDomainEdge, type EdgeVariant } from './support';

const {
  account: ACCOUNT,
  domain: DOMAIN,
  target: TARGET,
  certificateArn: CERT_ARN,
  secretArn: SECRET_ARN,
  webAclArn: WEB_ACL_ARN,
} = EDGE_ALONE;

/** AWS-managed policy ids, as published by CloudFront (independent of CDK's constants). */
const CACHING_DISABLED_ID = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER_ID = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

/** A value that must never reach the template: the construct only ever gets the secret's ARN. */
const SENTINEL_KEY = 'sentinel-cname-api-key-7f3c9e1a';

type Variant = EdgeVariant;

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

/**
 * `nag`: with cdk-nag AwsSolutions. The CDK's built-in CloudFormation validation of these variants runs
 * in synth.test.ts (see support.ts).
 */
function build(variant: Variant = {}, nag = false): { app: App; stack: Stack; edge: CustomDomainEdge } {
  const built = buildCustomDomainEdge(variant, { nag });
  cleanups.push(built.cleanup);
  return built;
}

function template(variant: Variant = {}): Template {
  return Template.fromStack(build(variant).stack);
}

interface NagFinding {
  rule: string;
  path: string;
}

/** Synthesizes with cdk-nag (v3: a policy validation plugin) and returns every unacknowledged finding. */
function nagFindings(app: App): NagFinding[] {
  const reportFile = join(app.outdir, 'validation-report.json');
  try {
    app.synth();
  } catch (error) {
    // A failed validation throws after writing its report; anything else is a real error.
    if (!existsSync(reportFile)) throw error;
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
  };
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => ({
        rule: violation.ruleName,
        path: construct.constructPath,
      })),
    ),
  );
}

function distributionConfig(t: Template): Record<string, unknown> {
  const distributions = Object.values(t.findResources('AWS::CloudFront::Distribution'));
  expect(distributions).toHaveLength(1);
  return (distributions[0] as { Properties: { DistributionConfig: Record<string, unknown> } }).Properties
    .DistributionConfig;
}

describe('CustomDomainEdge: the distribution', () => {
  const t = template();

  it('answers on the custom domain with its us-east-1 certificate, SNI, TLS 1.2_2021 minimum', () => {
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: [DOMAIN],
        ViewerCertificate: {
          AcmCertificateArn: CERT_ARN,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
  });

  it('has exactly one origin: the forwarding target, over HTTPS only, TLS 1.2', () => {
    const origins = distributionConfig(t).Origins as unknown[];
    expect(origins).toHaveLength(1);
    expect(origins[0]).toMatchObject({
      DomainName: TARGET,
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
    });
  });

  it('forwards every method, caches nothing, and rewrites Host to the origin (AllViewerExceptHostHeader)', () => {
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          AllowedMethods: Match.arrayEquals(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']),
          CachePolicyId: CACHING_DISABLED_ID,
          OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER_ID,
          ViewerProtocolPolicy: 'redirect-to-https',
        }),
      }),
    });
    expect(distributionConfig(t).CacheBehaviors).toBeUndefined();
  });

  it('runs the viewer-request CloudFront Function (cloudfront-js-2.0, code from the file) on every request', () => {
    const behavior = distributionConfig(t).DefaultCacheBehavior as {
      FunctionAssociations: { EventType: string; FunctionARN: { 'Fn::GetAtt': [string, string] } }[];
    };
    expect(behavior.FunctionAssociations).toHaveLength(1);
    const association = behavior.FunctionAssociations[0];
    expect(association?.EventType).toBe('viewer-request');
    const functionId = association?.FunctionARN['Fn::GetAtt'][0] ?? '';
    const fn = t.findResources('AWS::CloudFront::Function')[functionId] as {
      Properties: { FunctionCode: string; FunctionConfig: { Runtime: string }; AutoPublish: boolean };
    };
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect(fn.Properties.AutoPublish).toBe(true);
    expect(fn.Properties.FunctionCode).toBe(readFileSync(VIEWER_REQUEST_FUNCTION_FILE, 'utf8'));
  });

  it('adds cname-api-key as an origin custom header from a Secrets Manager dynamic reference', () => {
    const origin = (distributionConfig(t).Origins as { OriginCustomHeaders: unknown[] }[])[0];
    expect(origin?.OriginCustomHeaders).toEqual([
      {
        HeaderName: 'cname-api-key',
        HeaderValue: `{{resolve:secretsmanager:${SECRET_ARN}:SecretString:::}}`,
      },
    ]);
  });

  it('puts no literal API key anywhere in the template', () => {
    process.env.CNAME_API_KEY = SENTINEL_KEY;
    try {
      const json = JSON.stringify(template().toJSON());
      expect(json).not.toContain(SENTINEL_KEY);
      // Every value of the header is a dynamic reference, nothing else.
      const values = [...json.matchAll(/"HeaderName":"cname-api-key","HeaderValue":"([^"]*)"/g)].map(
        (m) => m[1],
      );
      expect(values).toEqual([`{{resolve:secretsmanager:${SECRET_ARN}:SecretString:::}}`]);
    } finally {
      delete process.env.CNAME_API_KEY;
    }
  });

  it('sends HSTS (2 years, includeSubDomains), nosniff, frame and referrer defaults, and no CSP of its own', () => {
    const behavior = distributionConfig(t).DefaultCacheBehavior as {
      ResponseHeadersPolicyId: { Ref: string };
    };
    const policy = t.findResources('AWS::CloudFront::ResponseHeadersPolicy')[
      behavior.ResponseHeadersPolicyId.Ref
    ] as {
      Properties: {
        ResponseHeadersPolicyConfig: { SecurityHeadersConfig: Record<string, Record<string, unknown>> };
      };
    };
    const security = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: 63072000,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(Number(security.StrictTransportSecurity?.AccessControlMaxAgeSec)).toBeGreaterThanOrEqual(31536000);
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: false });
    expect(security.ReferrerPolicy).toEqual({
      ReferrerPolicy: 'strict-origin-when-cross-origin',
      Override: false,
    });
    expect(security.ContentSecurityPolicy).toBeUndefined();
  });

  it('writes standard access logs, without cookies, to a private, encrypted, TLS-only, expiring bucket', () => {
    const logging = distributionConfig(t).Logging as {
      Bucket: { 'Fn::GetAtt': [string, string] };
      IncludeCookies: boolean;
    };
    expect(logging.IncludeCookies).toBe(false);
    const bucketId = logging.Bucket['Fn::GetAtt'][0];
    const bucket = t.findResources('AWS::S3::Bucket')[bucketId] as { Properties: Record<string, unknown> };
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('creates no DNS records without a hosted zone and no web ACL association by default', () => {
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(distributionConfig(t).WebACLId).toBeUndefined();
  });
});

describe('CustomDomainEdge: options', () => {
  it('creates A and AAAA alias records for the custom domain to the distribution when zoned', () => {
    const t = template({ zoned: true });
    for (const type of ['A', 'AAAA']) {
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${DOMAIN}.`,
        Type: type,
        HostedZoneId: 'Z0123456789ABC',
        AliasTarget: {
          DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CustomDomainEdgeDistribution'), 'DomainName'] },
          HostedZoneId: Match.anyValue(),
        },
      });
    }
    t.resourceCountIs('AWS::Route53::RecordSet', 2);
  });

  it('references a JSON field of the secret when apiKeyJsonField is set', () => {
    const origin = (
      distributionConfig(template({ props: { apiKeyJsonField: 'cname_api_key' } })).Origins as {
        OriginCustomHeaders: { HeaderValue: string }[];
      }[]
    )[0];
    expect(origin?.OriginCustomHeaders[0]?.HeaderValue).toBe(
      `{{resolve:secretsmanager:${SECRET_ARN}:SecretString:cname_api_key::}}`,
    );
  });

  it('pins the secret version when apiKeySecretVersionId is set, so a rotation changes the template', () => {
    const versionId = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
    const origin = (
      distributionConfig(template({ props: { apiKeySecretVersionId: versionId } })).Origins as {
        OriginCustomHeaders: { HeaderValue: string }[];
      }[]
    )[0];
    expect(origin?.OriginCustomHeaders[0]?.HeaderValue).toBe(
      `{{resolve:secretsmanager:${SECRET_ARN}:SecretString:::${versionId}}}`,
    );
  });

  it('associates a given web ACL', () => {
    expect(distributionConfig(template({ props: { webAclArn: WEB_ACL_ARN } })).WebACLId).toBe(WEB_ACL_ARN);
  });

  it('works from a stack outside us-east-1 with an imported us-east-1 certificate (CloudFront only needs the ARN)', () => {
    const t = template({ region: 'eu-west-1' });
    expect((distributionConfig(t).ViewerCertificate as { AcmCertificateArn: string }).AcmCertificateArn).toBe(
      CERT_ARN,
    );
    t.resourceCountIs('AWS::CloudFront::Function', 1);
    t.resourceCountIs('AWS::CloudFront::ResponseHeadersPolicy', 1);
  });

  it('refuses a certificate outside us-east-1', () => {
    const certificateArn = CERT_ARN.replace('us-east-1', 'eu-west-1');
    expect(() => build({ region: 'eu-west-1', certificateArn })).toThrow(/must be in the us-east-1 region/);
  });

  it.each([`https://${TARGET}`, `${TARGET}/`, `${TARGET}:443`])(
    'refuses a forwarding target that is not a bare host name (%s)',
    (target) => {
      expect(() => build({ props: { forwardingTargetHost: target } })).toThrow(/forwardingTargetHost/);
    },
  );
});

describe('CustomDomainEdge: cdk-nag AwsSolutions', () => {
  it('the gate works here: a bare distribution is reported (CFR1, CFR2, CFR3, CFR4)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'custom-domain-edge-'));
    cleanups.push(() => rmSync(outdir, { recursive: true, force: true }));
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Bare', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new cloudfront.Distribution(stack, 'Bare', { defaultBehavior: { origin: new HttpOrigin(TARGET) } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const rules = nagFindings(app).map((finding) => finding.rule);
    expect(rules).toEqual(
      expect.arrayContaining([
        'AwsSolutions-CFR1',
        'AwsSolutions-CFR2',
        'AwsSolutions-CFR3',
        'AwsSolutions-CFR4',
      ]),
    );
  });

  it.each(EDGE_GATE_VARIANTS)('reports no unacknowledged finding %s', (_name, variant) => {
    expect(nagFindings(build(variant, true).app)).toEqual([]);
  });

  it('acknowledges CFR2 only when no web ACL is given', () => {
    const acknowledged = (edge: CustomDomainEdge): string[] =>
      edge.distribution.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .filter((entry) => JSON.stringify(entry.data).includes('AwsSolutions-CFR2'))
        .map((entry) => entry.type);
    expect(acknowledged(build().edge)).not.toHaveLength(0);
    expect(acknowledged(build({ props: { webAclArn: WEB_ACL_ARN } }).edge)).toHaveLength(0);
  });
});
