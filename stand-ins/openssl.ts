/**
 * Certificates WebCrypto cannot make (EC curves below P-256, Ed25519, MD5 or RSA-PSS signatures), made
 * with the `openssl` command line. Tests only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslCertificateOptions {
  /** OpenSSL form, e.g. `/CN=client/O=Acme`. */
  readonly subject: string;
  /** e.g. `rsa:2048`, `ec:secp224r1`, `ed25519`. @default 'ec:prime256v1' */
  readonly key?: string;
  /** Digest, e.g. `md5`, `sha1`, `sha256`. @default 'sha256' (ignored for ed25519) */
  readonly digest?: string;
  /** Sign with RSA-PSS padding. @default false */
  readonly pss?: boolean;
  /** basicConstraints CA:TRUE (what a plain `openssl req -x509` writes). @default false */
  readonly ca?: boolean;
  /** @default 365 */
  readonly days?: number;
}

function keyArgs(key: string): string[] {
  const [type, param] = key.split(':');
  if (type === 'rsa') return ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${param ?? '2048'}`];
  if (type === 'ec') return ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${param ?? 'prime256v1'}`];
  return ['-algorithm', key.toUpperCase()];
}

/**
 * One key per key spec per process: the cases need a key's type and size, not a key of their own, and
 * generating RSA keys is the slow part (each `openssl` call blocks the test's process).
 */
const keys = new Map<string, string>();

function keyPem(key: string): string {
  let pem = keys.get(key);
  if (pem === undefined) {
    pem = execFileSync('openssl', ['genpkey', ...keyArgs(key)], { encoding: 'utf8', stdio: 'pipe' });
    keys.set(key, pem);
  }
  return pem;
}

/** A self-signed certificate made by `openssl req -x509`; returns its PEM. */
export function opensslSelfSigned(options: OpensslCertificateOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'openssl-'));
  try {
    const key = options.key ?? 'ec:prime256v1';
    writeFileSync(join(dir, 'key.pem'), keyPem(key), { mode: 0o600 });
    writeFileSync(
      join(dir, 'openssl.cnf'),
      [
        '[req]',
        'distinguished_name = dn',
        '[dn]',
        '[ext]',
        `basicConstraints = critical, CA:${options.ca ? 'TRUE' : 'FALSE'}`,
        'subjectKeyIdentifier = hash',
        '',
      ].join('\n'),
    );
    const args = ['req', '-new', '-x509', '-key', join(dir, 'key.pem'), '-subj', options.subject];
    args.push(
      '-days',
      String(options.days ?? 365),
      '-config',
      join(dir, 'openssl.cnf'),
      '-extensions',
      'ext',
    );
    if (!key.startsWith('ed')) args.push(`-${options.digest ?? 'sha256'}`);
    if (options.pss) args.push('-sigopt', 'rsa_padding_mode:pss');
    args.push('-out', join(dir, 'cert.pem'));
    execFileSync('openssl', args, { stdio: 'pipe' });
    return readFileSync(join(dir, 'cert.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The certificate as `openssl x509` prints it (the PEM nginx and API Gateway hand on), read from stdin. */
export function opensslPemOf(pem: string): string {
  return execFileSync('openssl', ['x509'], { input: pem, encoding: 'utf8' });
}
