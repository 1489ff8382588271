/**
 * Bundling of the stack's Lambdas: local esbuild (a devDependency, never Docker) with the proxy's shared
 * settings, and the trusted client CA bundle copied into the asset as `ca-bundle.pem` next to the
 * handler, so `CA_BUNDLE_FILE=ca-bundle.pem` resolves against the handler's directory.
 */
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as path from 'node:path';
import { PROXY_BUNDLING } from './proxy-bundling';

/** File name of the CA bundle inside every Lambda asset that needs it. */
export const CA_BUNDLE_ASSET_FILE = 'ca-bundle.pem';

/** Repository root (lib/..): entries and the lock file are resolved against it, never against the cwd. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * esbuild options for a Lambda of this stack (the proxy's, so every bundle is built the same way)
 * plus a hook that ships `caBundlePath` in the asset.
 */
export function bundlingWithCaBundle(caBundlePath: string): BundlingOptions {
  const source = path.resolve(PROJECT_ROOT, caBundlePath);
  return {
    target: PROXY_BUNDLING.target,
    format: PROXY_BUNDLING.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
    minify: PROXY_BUNDLING.minify,
    sourceMap: PROXY_BUNDLING.sourceMap,
    externalModules: [...PROXY_BUNDLING.externalModules],
    mainFields: [...PROXY_BUNDLING.mainFields],
    forceDockerBundling: false,
    // esbuild's size report on every synth is noise; its warnings and errors still show.
    logLevel: LogLevel.WARNING,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        `cp ${shellQuote(source)} ${shellQuote(path.join(outputDir, CA_BUNDLE_ASSET_FILE))}`,
      ],
    },
  };
}
