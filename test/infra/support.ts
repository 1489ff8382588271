/**
 * Synthesizes the CustomerEdge stack the way bin/app.ts does (cdk.json context, validated config), with a
 * CA bundle generated for the test. Bundling is real (local esbuild), so each configuration is
 * synthesized once per test file and the Template shared.
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

export async function synthesizeEdge(context: RawContext = {}): Promise<SynthesizedEdge> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-infra-'));
  const pki = await createTestPki('Infra');
  const caBundleFile = join(dir, 'ca-bundle.pem');
  writeFileSync(caBundleFile, pki.caBundlePem);
  const raw = { ...REQUIRED_CONTEXT, caBundle: caBundleFile, ...context };
  const app = new App({ outdir: join(dir, 'cdk.out'), context: { ...cdkJsonContext(), ...raw } });
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
