/**
 * Builds what the benchmark runs: the proxy bundle exactly as the CDK stack builds it (PROXY_ENTRY and
 * PROXY_BUNDLING, the settings NodejsFunction maps onto esbuild), the baseline handler with the same
 * settings, and the two small runner scripts the child processes execute with plain `node`.
 */
import { build, type BuildOptions } from 'esbuild';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROXY_BUNDLING, PROXY_ENTRY } from '../../lib/proxy-bundling';

const ROOT = resolve(__dirname, '..', '..');

export interface BenchBundles {
  /** The proxy handler bundle (minified JS; its source map sits next to it). */
  readonly handler: string;
  readonly baseline: string;
  readonly httpBaseline: string;
  readonly warmRunner: string;
  readonly coldRunner: string;
  /** Bytes of the minified proxy bundle, source map excluded. */
  readonly bundleBytes: number;
  readonly baselineBundleBytes: number;
}

/** PROXY_BUNDLING as esbuild options (what NodejsFunction passes to esbuild). */
export function lambdaBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [resolve(ROOT, entry)],
    outfile,
    bundle: true,
    platform: PROXY_BUNDLING.platform,
    target: PROXY_BUNDLING.target,
    format: PROXY_BUNDLING.format,
    minify: PROXY_BUNDLING.minify,
    sourcemap: PROXY_BUNDLING.sourceMap,
    external: [...PROXY_BUNDLING.externalModules],
    mainFields: [...PROXY_BUNDLING.mainFields],
    logLevel: 'error',
  };
}

export async function buildBundles(outDir: string): Promise<BenchBundles> {
  const handler = join(outDir, 'proxy', 'index.js');
  const baseline = join(outDir, 'baseline', 'index.js');
  const httpBaseline = join(outDir, 'baseline-http', 'index.js');
  const warmRunner = join(outDir, 'runners', 'warm-runner.js');
  const coldRunner = join(outDir, 'runners', 'cold-runner.js');
  const runner = (entry: string, outfile: string): BuildOptions => ({
    entryPoints: [resolve(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    // The runners execute locally (Node.js 20), not in Lambda.
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  await Promise.all([
    build(lambdaBuildOptions(PROXY_ENTRY, handler)),
    build(lambdaBuildOptions('local/bench/baseline.ts', baseline)),
    build(lambdaBuildOptions('local/bench/baseline-http.ts', httpBaseline)),
    build(runner('local/bench/warm-runner.ts', warmRunner)),
    build(runner('local/bench/cold-runner.ts', coldRunner)),
  ]);
  return {
    handler,
    baseline,
    httpBaseline,
    warmRunner,
    coldRunner,
    bundleBytes: statSync(handler).size,
    baselineBundleBytes: statSync(baseline).size,
  };
}
