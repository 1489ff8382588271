/**
 * The platform of the stack's Lambdas, written once: the runtime and architecture both functions (the
 * proxy and the truststore builder) run on, and the esbuild target their bundles are compiled for, which
 * follows from the runtime. The benchmark builds its copy of the proxy bundle with the same target.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** Node.js 24 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * arm64 (Graviton): a lower price per GB-second than x86_64 for the same JavaScript
 * (https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html).
 */
export const LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * The esbuild target of a Node.js runtime: `nodejs24.x` → `node24`, the rule NodejsFunction applies
 * when its bundling gives no target (aws-cdk-lib/aws-lambda-nodejs, `toTarget`).
 */
export function bundleTargetOf(runtime: lambda.Runtime): `node${number}` {
  const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
  if (major === undefined) throw new Error(`not a Node.js Lambda runtime: ${runtime.name}`);
  return `node${Number(major)}`;
}

/** The esbuild target of {@link LAMBDA_RUNTIME}. */
export const BUNDLE_TARGET = bundleTargetOf(LAMBDA_RUNTIME);
