/**
 * How the proxy Lambda is bundled: one definition used by the CDK stack (NodejsFunction `bundling`)
 * and by the benchmark (esbuild directly), so the benchmark measures exactly what is deployed.
 */
import { BUNDLE_TARGET } from './lambda-runtime';

export const PROXY_ENTRY = 'lambda/proxy/index.ts';

/** esbuild settings of the proxy bundle (CDK NodejsFunction maps its props onto the same esbuild options). */
export const PROXY_BUNDLING = {
  /** The Node.js version of the Lambda runtime (LAMBDA_RUNTIME). */
  target: BUNDLE_TARGET,
  format: 'cjs',
  platform: 'node',
  minify: true,
  sourceMap: true,
  /** Bundle the AWS SDK too: a pinned, tree-shaken SDK loads faster than the runtime's copy. */
  externalModules: [] as string[],
  /** Prefer ES modules so esbuild can tree-shake the SDK. */
  mainFields: ['module', 'main'],
} as const;
