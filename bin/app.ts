/**
 * The CDK app entry (`npx cdk synth|deploy`, run by cdk.json with tsx): the ONLY place that reads
 * context, environment and files. It hands them to the config model (lib/config.ts) and wires the
 * stack, with cdk-nag (AwsSolutions) as a synthesis gate.
 */
import { App, Validations } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CONTEXT_KEYS,
  ConfigError,
  checkCaBundle,
  parseConfig,
  unreadableCaBundle,
  type EdgeConfig,
  type RawContext,
} from '../lib/config';
import { STACK_NAME } from '../shared/contracts/stack';
import { errorCode, errorMessage } from '../shared/errors';

/** Every context key the config model validates, and only those. */
function readContext(app: App): RawContext {
  return Object.fromEntries(CONTEXT_KEYS.map((key) => [key, app.node.tryGetContext(key)]));
}

/** The CA bundle, resolved against the working directory (where `cdk` runs). */
function readCaBundle(config: EdgeConfig): { readonly file: string; readonly pem: string } {
  const file = resolve(process.cwd(), config.caBundlePath);
  try {
    return { file, pem: readFileSync(file, 'utf8') };
  } catch (error) {
    throw unreadableCaBundle(config.caBundlePath, errorCode(error) ?? errorMessage(error));
  }
}

async function main(): Promise<void> {
  const app = new App();
  const config = parseConfig(readContext(app));
  // The mTLS domain must live in its certificate's region, so that region is the stack's region.
  const cliRegion = process.env.CDK_DEFAULT_REGION;
  if (cliRegion && cliRegion !== config.region) {
    console.warn(
      `note: the stack deploys to ${config.region}, the region of certificateArn (not ${cliRegion})`,
    );
  }
  const caBundle = readCaBundle(config);
  for (const warning of checkCaBundle(config.caBundlePath, caBundle.pem)) console.warn(`warning: ${warning}`);

  // The stack's modules and cdk-nag load once the context is known to be good: a bad -c is answered
  // before the second or so they take.
  const [{ CustomerEdgeStack }, { AwsSolutionsChecks }] = await Promise.all([
    import('../lib/customer-edge-stack'),
    import('cdk-nag'),
  ]);
  new CustomerEdgeStack(app, STACK_NAME, {
    // The account when the CLI knows it (synth works without credentials), the certificate's region.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: config.region },
    description: `Customer edge: mTLS endpoint aliases of ${config.domainName} in front of Auth0`,
    config,
    caBundleFile: caBundle.file,
    caBundlePem: caBundle.pem,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
  // Anything else is a defect: Node prints the unhandled rejection and exits non-zero.
  throw error;
});
