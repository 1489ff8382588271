/**
 * Shared pieces of the local-edge end-to-end tests: temporary state, the `edge-certs` CLI as a child
 * process, and OpenSSL's own PEM of a certificate.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface TempDir {
  readonly dir: string;
  write(name: string, content: string): Promise<string>;
  remove(): Promise<void>;
}

export async function tempDir(prefix = 'local-edge-'): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    async write(name, content) {
      const path = join(dir, name);
      await writeFile(path, content, { mode: 0o600 });
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `edge-certs` exactly as the banner prints it: only AWS_ENDPOINT_URL_DYNAMODB set (no AWS
 * credentials, no region from this process).
 */
export function edgeCerts(registryEndpoint: string, args: readonly string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_') && !name.startsWith('POWERTOOLS_')) env[name] = value;
  }
  env.AWS_ENDPOINT_URL_DYNAMODB = registryEndpoint;
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      // The `npx edge-certs` entry (one process; tsx's own CLI would put a second node in front).
      [join(REPO_ROOT, 'bin', 'edge-certs.js'), ...args],
      { env, cwd: REPO_ROOT },
      (error, stdout, stderr) => {
        resolvePromise({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** `openssl x509 -in FILE`: OpenSSL's own PEM of the certificate. */
export function opensslPem(file: string): string {
  return execFileSync('openssl', ['x509', '-in', file], { encoding: 'utf8' });
}
