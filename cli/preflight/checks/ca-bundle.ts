/** The CA bundle file, through the same truststore checks `cdk synth` runs (lib/config.ts `checkCaBundle`). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, checkCaBundle } from '../../../lib/config';
import { splitPemBlocks } from '../../../shared/certificate';
import { errorCode, errorMessage } from '../../../shared/errors';
import { fail, pass, type PreflightCheck } from '../check';

export const caBundle: PreflightCheck = {
  title: 'CA bundle',
  run(env) {
    const path = env.config.caBundlePath;
    let pem: string;
    try {
      pem = readFileSync(resolve(env.cwd, path), 'utf8');
    } catch (error) {
      const code = errorCode(error) ?? errorMessage(error);
      return Promise.resolve(
        fail(
          `cannot read ${path} (${code}, relative to ${env.cwd})`,
          '-c caBundle=<path of your client CA bundle PEM>',
        ),
      );
    }
    let warnings: string[];
    try {
      warnings = checkCaBundle(path, pem, env.now);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return Promise.resolve(
        fail(
          error.message.replace(/\. Fix: .*$/, ''),
          'fix the bundle (npx edge-certs truststore check <file> lists every problem) or -c caBundle=<another file>',
        ),
      );
    }
    const count = splitPemBlocks(pem).length;
    const notes = warnings.length > 0 ? `; warnings: ${warnings.join('; ')}` : '';
    return Promise.resolve(pass(`${path}: ${count} certificate(s) pass the truststore checks${notes}`));
  },
};
