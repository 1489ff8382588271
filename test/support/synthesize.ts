/**
 * The one way the tests synthesize the CustomerEdge stack: as bin/app.ts does (cdk.json's context, the
 * validated config, the certificate's region and no account), with a CA bundle made for the test.
 *
 * Two parts of `cdk synth` cost seconds and do not change the template the assertions read: the esbuild
 * bundling of the Lambdas (the template holds only the asset hashes) and the CDK's built-in
 * CloudFormation validation (a WebAssembly rule engine initialized anew in every process, ~3.5 s). Both
 * are off unless asked for; test/infra/synth.test.ts runs them.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig, type RawContext } from '../../lib/config';
import { CustomerEdgeStack } from '../../lib/customer-edge-stack';
import { STACK_NAME } from '../../shared/contracts/stack';
import { createTestPki } from '../../stand-ins/pki';

const ROOT = resolve(__dirname, '..', '..');

/** The feature flags of cdk.json, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
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
   * on by default in the App and in `cdk synth` unless `--no-validation`); cdk.json's
   * `@aws-cdk/core:validateAgainstDefaultRules` makes its errors fail the synth, and the synth writes
   * its report to `validation-report.json`.
   * @default false
   */
  readonly validation?: boolean;
  /** Changes the stack before it is synthesized (an escape hatch, as an upgrade might emit it). */
  readonly mutate?: (stack: CustomerEdgeStack) => void;
}

/** The CDK context key naming the stacks whose assets are bundled (cx-api BUNDLING_STACKS). */
const BUNDLING_STACKS = 'aws:cdk:bundling-stacks';

/** Synthesizes the stack for `context` (the required keys included: each caller has its own). */
export async function synthesizeEdge(
  context: RawContext,
  options: SynthOptions = {},
): Promise<SynthesizedEdge> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-synth-'));
  try {
    const pki = await createTestPki('Infra');
    const caBundleFile = join(dir, 'ca-bundle.pem');
    writeFileSync(caBundleFile, pki.caBundlePem);
    const raw = { caBundle: caBundleFile, ...context };
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
    options.mutate?.(stack);
    const template = Template.fromStack(stack);
    return {
      app,
      stack,
      template,
      caBundlePem: pki.caBundlePem,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
