/**
 * The CA bundle file, read and checked exactly as `cdk synth` does (lib/config.ts: `unreadableCaBundle`,
 * `checkCaBundle`, the truststore rules), so preflight and synthesis never disagree about a bundle.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, checkCaBundle, unreadableCaBundle } from '../../../lib/config';
import { splitPemBlocks } from '../../../shared/certificate';
import { errorCode, errorMessage } from '../../../shared/errors';
import { fail, pass, type PreflightCheck, type Verdict } from '../check';

/** A config message `<problem>. Fix: <fix>` as a verdict, the fix sharpened with `extraFix`. */
function fromConfigError(error: ConfigError, extraFix?: string): Verdict {
  const [problem = error.message, fix = 'see the message'] = error.message.split('. Fix: ');
  return fail(problem, extraFix ? `${extraFix}, or ${fix}` : fix);
}

export const caBundle: PreflightCheck = {
  title: 'CA bundle',
  run(env) {
    const path = env.config.caBundlePath;
    let pem: string;
    try {
      pem = readFileSync(resolve(env.cwd, path), 'utf8');
    } catch (error) {
      return Promise.resolve(
        fromConfigError(unreadableCaBundle(path, errorCode(error) ?? errorMessage(error))),
      );
    }
    let warnings: string[];
    try {
      warnings = checkCaBundle(path, pem, env.now);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return Promise.resolve(
        fromConfigError(error, 'fix the bundle (npx edge-certs truststore check <file> lists every problem)'),
      );
    }
    const count = splitPemBlocks(pem).length;
    const notes = warnings.length > 0 ? `; warnings: ${warnings.join('; ')}` : '';
    return Promise.resolve(pass(`${path}: ${count} certificate(s) pass the truststore checks${notes}`));
  },
};
