/**
 * `edge-certs preflight -c key=value …`: reads the operator's account for everything the first
 * `cdk deploy` needs that the template cannot see, with the same context `cdk deploy` would use.
 */
import { resolveNs } from 'node:dns/promises';
import { ConfigError } from '../../lib/config';
import { EXIT_FAILURE, EXIT_OK, usageError } from '../errors';
import { loadCdkContext } from '../preflight/cdk-context';
import { preflightConfig } from '../preflight/config';
import {
  BOOTSTRAP_QUALIFIER_CONTEXT,
  DEFAULT_BOOTSTRAP_QUALIFIER,
  DEFAULT_TOOLKIT_STACK_NAME,
} from '../preflight/requirements';
import type { Command } from './spec';

export const preflightCommand: Command = {
  name: 'preflight',
  usage: 'edge-certs preflight [-c KEY=VALUE ...] [--profile NAME] [--toolkit-stack-name NAME] [--no-dns]',
  summary: 'check the AWS account for what the deploy needs (read-only); exit 0 only when all pass',
  details: [
    'Takes the context exactly as `cdk deploy` does (-c first, then cdk.json, cdk.context.json and',
    '~/.cdk.json of the current directory), validates it as `cdk synth` would, and checks with your AWS',
    'credentials in the region of certificateArn: the CA bundle, the ACM certificates (ISSUED, this',
    'account, covering mtls.<domainName> and, with customDomainCertificateArn, <domainName> in us-east-1),',
    "the CDK bootstrap stack, API Gateway's CloudWatch Logs role, Lambda concurrency, the hosted zone",
    '(public and delegated), and an existing CNAME API key secret and its KMS key (the value is read to',
    'prove it decrypts; it is never printed). One line per check: ✓, or ✗ with the fix.',
    '',
    '  -c, --context KEY=VALUE     a context key, as with cdk (repeatable)',
    '  --profile NAME              AWS profile (default: the SDK settings, e.g. AWS_PROFILE)',
    `  --toolkit-stack-name NAME   the CDK bootstrap stack (default: ${DEFAULT_TOOLKIT_STACK_NAME})`,
    "  --no-dns                    skip the public DNS lookup of the hosted zone's delegation",
    '',
    'Exit status: 0 all checks passed, 1 a check failed, 2 the context is invalid (nothing was called).',
  ],
  options: {
    context: { type: 'string', short: 'c', multiple: true },
    profile: { type: 'string' },
    'toolkit-stack-name': { type: 'string' },
    'no-dns': { type: 'boolean' },
  },
  usesRegistry: false,
  async run(ctx, values) {
    const raw = loadCdkContext({
      cwd: ctx.cwd,
      home: ctx.io.env.HOME,
      flags: (values.context as string[] | undefined) ?? [],
    });
    let config;
    try {
      config = preflightConfig(raw);
    } catch (error) {
      if (error instanceof ConfigError) throw usageError(`preflight: ${error.message}`);
      throw error;
    }
    const qualifier = raw[BOOTSTRAP_QUALIFIER_CONTEXT];
    // Loaded here, not with the CLI: six SDK clients no other command needs. `require`, because the
    // npx entry runs through tsx's CommonJS hook, which a dynamic import() of a .ts file bypasses.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { createPreflightClients } =
      require('../preflight/clients') as typeof import('../preflight/clients');
    const { runPreflight } = require('../preflight/run') as typeof import('../preflight/run');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const clients = createPreflightClients({ profile: values.profile as string | undefined });
    try {
      const ok = await runPreflight({
        config,
        clients,
        cwd: ctx.cwd,
        now: ctx.now(),
        toolkitStackName: (values['toolkit-stack-name'] as string | undefined) ?? DEFAULT_TOOLKIT_STACK_NAME,
        bootstrapQualifier: typeof qualifier === 'string' ? qualifier : DEFAULT_BOOTSTRAP_QUALIFIER,
        resolveNs: values['no-dns'] ? undefined : (ctx.io.resolveNs ?? resolveNs),
        print: (line) => ctx.out(line),
      });
      return ok ? EXIT_OK : EXIT_FAILURE;
    } finally {
      clients.destroy();
    }
  },
};
