/**
 * The Lambdas' bundles, built with the stack's esbuild settings, hold none of the operator CLI's Auth0
 * Management API SDK: `auth0` is for `edge-certs` only and must never weigh on the proxy's cold start.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PROXY_ENTRY } from '../../lib/proxy-bundling';
import { lambdaBuildOptions } from '../../local/bench/build';

async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    ...lambdaBuildOptions(entry, join(tmpdir(), 'bundle-contents', 'index.js')),
    write: false,
    metafile: true,
    minify: false,
    sourcemap: false,
  });
  return Object.keys(result.metafile?.inputs ?? {});
}

describe('Lambda bundles', () => {
  it.each([PROXY_ENTRY, 'lambda/truststore-builder/index.ts'])(
    '%s does not bundle the auth0 SDK',
    async (entry) => {
      const inputs = await bundledInputs(entry);
      expect(inputs.some((input) => input.includes('shared/certificate.ts'))).toBe(true);
      expect(
        inputs.filter(
          (input) => /node_modules\/(auth0|auth0-legacy|jose)\//.test(input) || input.startsWith('cli/'),
        ),
      ).toEqual([]);
    },
  );
});
