/**
 * Shared pieces of the local-edge end-to-end tests: temporary state, the `edge-certs` CLI against an
 * edge's registry, and OpenSSL's own PEM of a certificate.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clientSettings } from '../../cli/aws';
import { main } from '../../cli/main';
import { DEMO_STATE_DIR_ENV } from './global-setup';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * The state directory (demo PKI) every edge of the tier shares, made once by global-setup.ts. Edges only
 * read it; a test's own files go into a `tempDir()` of its own.
 */
export function demoStateDir(): string {
  const dir = process.env[DEMO_STATE_DIR_ENV];
  if (!dir) throw new Error(`${DEMO_STATE_DIR_ENV} is not set: the e2e project's globalSetup did not run`);
  return dir;
}

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
 * Runs `edge-certs` (its `main`, in this process) with the environment the banner's command gives it:
 * only AWS_ENDPOINT_URL_DYNAMODB, so no AWS credentials and no region, and the registry client the CLI
 * makes of that (its loopback settings). The printed command itself, `npx edge-certs …` in a shell, is
 * run by local-edge-smoke.test.ts.
 */
export async function edgeCerts(registryEndpoint: string, args: readonly string[]): Promise<CliResult> {
  const env = { AWS_ENDPOINT_URL_DYNAMODB: registryEndpoint };
  const client = new DynamoDBClient({ endpoint: registryEndpoint, ...clientSettings('DYNAMODB', env) });
  let stdout = '';
  let stderr = '';
  try {
    const code = await main([...args], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
      cwd: REPO_ROOT,
      dynamodb: () => client,
    });
    return { code, stdout, stderr };
  } finally {
    client.destroy();
  }
}

/** `openssl x509 -in FILE`: OpenSSL's own PEM of the certificate. */
export function opensslPem(file: string): string {
  return execFileSync('openssl', ['x509', '-in', file], { encoding: 'utf8' });
}
