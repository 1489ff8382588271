/**
 * The CDK app entry (`npx cdk synth|deploy`, run by cdk.json with tsx): the ONLY place that reads
 * context, environment and files. It validates the context into a typed config, checks the CA bundle
 * with the truststore rules, and adds cdk-nag (AwsSolutions) as a synthesis gate.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONTEXT_KEYS, ConfigError, checkCaBundle, parseConfig, type RawContext } from '../lib/config';
import { CustomerEdgeStack } from '../lib/customer-edge-stack';
import { STACK_NAME } from '../shared/contracts/stack';

function main(): void {
  const app = new App();
  const raw: RawContext = Object.fromEntries(CONTEXT_KEYS.map((key) => [key, app.node.tryGetContext(key)]));
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const config = parseConfig(raw);
  // The mTLS domain must live in its certificate's region, so that region is the stack's region.
  const cliRegion = process.env.CDK_DEFAULT_REGION;
  if (cliRegion && cliRegion !== config.region) {
    console.warn(
      `note: the stack deploys to ${config.region}, the region of certificateArn (not ${cliRegion})`,
    );
  }

  const caBundleFile = resolve(process.cwd(), config.caBundlePath);
  let caBundlePem: string;
  try {
    caBundlePem = readFileSync(caBundleFile, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(
      `Context key "caBundle": cannot read "${config.caBundlePath}" (${reason}). Fix: -c caBundle=<path of your client CA bundle PEM>`,
    );
  }
  for (const warning of checkCaBundle(config.caBundlePath, caBundlePem)) console.warn(`warning: ${warning}`);

  new CustomerEdgeStack(app, STACK_NAME, {
    // The account when the CLI knows it (synth works without credentials), the certificate's region.
    env: { account, region: config.region },
    description: `Customer edge: mTLS endpoint aliases of ${config.domainName} in front of Auth0`,
    config,
    caBundleFile,
    caBundlePem,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

try {
  main();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
