/**
 * lib/lambda-runtime.ts: the Lambdas' Node.js version is written once, and the esbuild target of the
 * stack's bundles and of the benchmark's copy of the proxy bundle follows from it.
 */
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { transform } from 'esbuild';
import { bundlingWithCaBundle } from '../../lib/lambda-bundling';
import { BUNDLE_TARGET, LAMBDA_RUNTIME, bundleTargetOf } from '../../lib/lambda-runtime';
import { PROXY_BUNDLING, PROXY_ENTRY } from '../../lib/proxy-bundling';
import { lambdaBuildOptions } from '../../local/bench/build';

it("the bundle target is the Lambda runtime's Node.js version (nodejs24.x → node24)", () => {
  expect(LAMBDA_RUNTIME.name).toBe('nodejs24.x');
  expect(BUNDLE_TARGET).toBe('node24');
  expect(BUNDLE_TARGET).toBe(bundleTargetOf(LAMBDA_RUNTIME));
});

it("the stack's bundles and the benchmark's proxy bundle are built for that target", () => {
  expect(PROXY_BUNDLING.target).toBe(BUNDLE_TARGET);
  expect(bundlingWithCaBundle('certs/ca.pem').target).toBe(BUNDLE_TARGET);
  expect(lambdaBuildOptions(PROXY_ENTRY, 'index.js').target).toBe(BUNDLE_TARGET);
});

it("bundleTargetOf applies NodejsFunction's rule and refuses a runtime that is not Node.js", () => {
  expect(bundleTargetOf(Runtime.NODEJS_22_X)).toBe('node22');
  expect(() => bundleTargetOf(Runtime.PYTHON_3_13)).toThrow('not a Node.js Lambda runtime: python3.13');
});

it('esbuild accepts the target', async () => {
  await expect(transform('export const a = b ?? c;', { target: BUNDLE_TARGET })).resolves.toMatchObject({
    code: expect.stringContaining('??'),
  });
});
