/**
 * Synthesizes the CustomerEdge stack the way bin/app.ts does (cdk.json context, validated config), with a
 * CA bundle generated for the test, in the configurations the infra tests share.
 *
 * Two parts of `cdk synth` cost seconds and do not change the template the assertions read: the esbuild
 * bundling of the Lambdas (the template holds only the asset hashes) and the CDK's built-in CloudFormation
 * validation (a WebAssembly rule engine initialized anew in every test file). Both are off unless asked
 * for; synth.test.ts runs them, bundling once and validating every configuration below. Each
 * configuration is synthesized once per test file and the Template shared.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type RawContext } from '../../lib/config';
import { CustomerEdgeStack } from '../../lib/customer-edge-stack';
import { STACK_NAME } from '../../shared/contracts/stack';
import { createTestPki } from '../../stand-ins/pki';

export const REQUIRED_CONTEXT = {
  domainName: 'auth.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
  forwardingTarget: 'acme-cd-x.edge.tenants.eu.auth0.com',
} as const;

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:auth0-cname-AbCdEf';
export const EDGE_CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/edge';

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
} as const satisfies Record<string, RawContext>;

/** The feature flags of cdk.json, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface SynthesizedEdge {
  readonly app: App;
  readonly stack: CustomerEdgeStack;
  readonly template: Template;
  readonly caBundlePem: string;
  /** Removes the temporary CA bundle and cloud assembly. */
  cleanup(): void;
}

export interface SynthOptions {
  /**
   * Run the real local esbuild bundling of the Lambdas (as `cdk synth` does). Off, the App's context
   * lists no stack in `aws:cdk:bundling-stacks` (the CDK's own switch, cx-api `BUNDLING_STACKS`; see
   * aws/aws-cdk#12844): AssetStaging then skips bundling, the NodejsFunction assets point at the source
   * and are hashed from the construct path and bundling options instead of the bundle.
   * @default false
   */
  readonly bundling?: boolean;
  /**
   * Run the CDK's built-in CloudFormation template validation (App `builtinCloudFormationValidation`,
   * what `cdk synth` does unless `--no-validation`); cdk.json's `@aws-cdk/core:validateAgainstDefaultRules`
   * makes its errors fail the synth, and the synth writes its report to `validation-report.json`.
   * @default false
   */
  readonly validation?: boolean;
}

/** The CDK context key naming the stacks whose assets are bundled (cx-api BUNDLING_STACKS). */
const BUNDLING_STACKS = 'aws:cdk:bundling-stacks';

export async function synthesizeEdge(
  context: RawContext = {},
  options: SynthOptions = {},
): Promise<SynthesizedEdge> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-infra-'));
  const pki = await createTestPki('Infra');
  const caBundleFile = join(dir, 'ca-bundle.pem');
  writeFileSync(caBundleFile, pki.caBundlePem);
  const raw = { ...REQUIRED_CONTEXT, caBundle: caBundleFile, ...context };
  const app = new App({
    outdir: join(dir, 'cdk.out'),
    builtinCloudFormationValidation: options.validation ?? false,
    context: {
      ...cdkJsonContext(),
      ...(options.bundling ? {} : { [BUNDLING_STACKS]: [] }),
      ...raw,
    },
  });
  const config = parseConfig(raw);
  const stack = new CustomerEdgeStack(app, STACK_NAME, {
    // As bin/app.ts: the certificate's region, no account (no credentials in tests).
    env: { region: config.region },
    config,
    caBundleFile,
    caBundlePem: pki.caBundlePem,
  });
  const template = Template.fromStack(stack);
  return {
    app,
    stack,
    template,
    caBundlePem: pki.caBundlePem,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
