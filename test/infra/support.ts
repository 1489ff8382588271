/**
 * The configurations the infra tests share, synthesized with test/support/synthesize.ts (over
 * REQUIRED_CONTEXT: region eu-west-1), and the CustomDomainEdge construct alone in a stack.
 * synth.test.ts bundles once and runs the CDK's CloudFormation validation on every configuration below
 * (and every gate variant of the CustomDomainEdge construct); the topics of infra.test.ts skip both.
 * Each configuration is synthesized once, by the topic that asserts on it, and its Template shared.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawContext } from '../../lib/config';
import { CustomDomainEdge, type CustomDomainEdgeProps } from '../../lib/custom-domain-edge';
import { synthesizeEdge as synthesize, type SynthOptions, type SynthesizedEdge } from '../support/synthesize';

export type { SynthesizedEdge } from '../support/synthesize';

export const REQUIRED_CONTEXT = {
  domainName: 'auth.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
  forwardingTarget: 'acme-cd-x.edge.tenants.eu.auth0.com',
} as const;

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0-cname-AbCdEf';
export const EDGE_CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/edge';
export const WEB_ACL_ARN =
  'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/edge/11111111-2222-3333-4444-555555555555';

/** The configurations the infra tests assert on (context keys beyond REQUIRED_CONTEXT). */
export const CONFIGURATIONS = {
  /** Created secret, no DNS, every default. */
  minimal: {},
  /** Imported secret, hosted zone, alarm email, every optional proxy setting. */
  full: {
    cnameApiKeySecretArn: SECRET_ARN,
    hostedZoneId: 'Z0123456789ABC',
    hostedZoneName: 'example.com',
    alarmEmail: 'ops@example.com',
    caSignedPolicy: 'registered',
    clientIpHeader: 'true-client-ip',
    allowedPaths: '/oauth/token,/userinfo',
  },
  /** The CloudFront custom domain edge too (one deploy serves both hosts). */
  customDomain: {
    customDomainCertificateArn: EDGE_CERT,
    cnameApiKeySecretArn: SECRET_ARN,
    hostedZoneId: 'Z0123456789ABC',
    hostedZoneName: 'example.com',
  },
  /** Imported secret without the custom domain edge. */
  importedSecret: { cnameApiKeySecretArn: SECRET_ARN },
  /** The Application Load Balancer front door, every default (eu-west-1: a region with an ELB log account). */
  alb: { frontDoor: 'alb' },
  /** The ALB front door with its keys, a hosted zone and a subset of paths. */
  albFull: {
    frontDoor: 'alb',
    hostedZoneId: 'Z0123456789ABC',
    hostedZoneName: 'example.com',
    albWebAclArn: WEB_ACL_ARN,
    albDeletionProtection: 'false',
    allowedPaths: '/oauth/token,/userinfo',
    alarmEmail: 'ops@example.com',
  },
  /** The ALB front door in a region opened after August 2022 (ELB delivers logs as a service principal). */
  albNewRegion: {
    frontDoor: 'alb',
    certificateArn: 'arn:aws:acm:eu-central-2:111111111111:certificate/abc',
  },
} as const satisfies Record<string, RawContext>;

/** The configurations' synth (over REQUIRED_CONTEXT); see test/support/synthesize.ts. */
export function synthesizeEdge(
  context: RawContext = {},
  options: SynthOptions = {},
): Promise<SynthesizedEdge> {
  return synthesize({ ...REQUIRED_CONTEXT, ...context }, options);
}

/** Every finding of the validation report a synth wrote (every plugin, warnings included). */
export function validationFindings(app: App): string[] {
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string }[] }[];
  };
  return report.pluginReports.flatMap((p) => p.violations.map((v) => `${p.pluginName}: ${v.ruleName}`));
}

/** The CustomDomainEdge construct alone in a stack (custom-domain-edge.spec.ts). */
const EDGE_ACCOUNT = '123456789012';
export const EDGE_ALONE = {
  account: EDGE_ACCOUNT,
  domain: 'auth.example.com',
  target: 'acme-cd-abc123.edge.tenants.us.auth0.com',
  certificateArn: `arn:aws:acm:us-east-1:${EDGE_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`,
  secretArn: `arn:aws:secretsmanager:us-east-1:${EDGE_ACCOUNT}:secret:customer-edge/cname-api-key-AbCdEf`,
  webAclArn: `arn:aws:wafv2:us-east-1:${EDGE_ACCOUNT}:global/webacl/edge/0123abcd-0123-0123-0123-0123456789ab`,
} as const;

export interface EdgeVariant {
  readonly region?: string;
  readonly certificateArn?: string;
  readonly zoned?: boolean;
  readonly props?: Partial<CustomDomainEdgeProps>;
}

/** The variants the cdk-nag gate and the CloudFormation validation run on. */
export const EDGE_GATE_VARIANTS: readonly (readonly [string, EdgeVariant])[] = [
  ['without a hosted zone', {}],
  ['with a hosted zone', { zoned: true }],
  ['with a web ACL', { props: { webAclArn: EDGE_ALONE.webAclArn } }],
  ['in a stack outside us-east-1', { region: 'eu-west-1' }],
];

export interface BuiltEdge {
  readonly app: App;
  readonly stack: Stack;
  readonly edge: CustomDomainEdge;
  /** Removes the temporary cloud assembly. */
  cleanup(): void;
}

/**
 * A CustomDomainEdge in a stack of its own, not yet synthesized. `nag`: with cdk-nag AwsSolutions as a
 * validation plugin; `validation`: with the CDK's built-in CloudFormation validation (see SynthOptions).
 */
export function buildCustomDomainEdge(
  variant: EdgeVariant = {},
  options: { nag?: boolean; validation?: boolean } = {},
): BuiltEdge {
  const outdir = mkdtempSync(join(tmpdir(), 'custom-domain-edge-'));
  const app = new App({ outdir, builtinCloudFormationValidation: options.validation ?? false });
  const stack = new Stack(app, 'EdgeTest', {
    env: { account: EDGE_ALONE.account, region: variant.region ?? 'us-east-1' },
  });
  const edge = new CustomDomainEdge(stack, 'CustomDomainEdge', {
    domainName: EDGE_ALONE.domain,
    certificate: Certificate.fromCertificateArn(
      stack,
      'Certificate',
      variant.certificateArn ?? EDGE_ALONE.certificateArn,
    ),
    forwardingTargetHost: EDGE_ALONE.target,
    apiKeySecret: Secret.fromSecretCompleteArn(stack, 'ApiKey', EDGE_ALONE.secretArn),
    hostedZone: variant.zoned
      ? HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
          hostedZoneId: 'Z0123456789ABC',
          zoneName: 'example.com',
        })
      : undefined,
    ...variant.props,
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, edge, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}
