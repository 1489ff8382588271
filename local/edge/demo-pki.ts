/**
 * The local edge's demo PKI, generated once under `.local/` (gitignored) and reused on later starts:
 * a client CA (root + issuing intermediate), a CA-signed client certificate, a self-signed one that the
 * edge registers at start, an unregistered self-signed one, and an RSA server certificate for
 * 127.0.0.1/localhost issued by a separate demo server CA (so `curl --cacert server-ca.pem` trusts it).
 * Throwaway keys for a local demo: never use them anywhere else.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificate } from '../../stand-ins/pki';

const DAY = 24 * 3600_000;

/** File names inside the state directory. */
export const DEMO_FILES = {
  caBundle: 'ca-bundle.pem',
  issuingCaKey: 'issuing-ca.key',
  client: 'client.pem',
  clientKey: 'client.key',
  selfSigned: 'self-signed.pem',
  selfSignedKey: 'self-signed.key',
  unregistered: 'unregistered.pem',
  unregisteredKey: 'unregistered.key',
  serverCa: 'server-ca.pem',
  server: 'server.pem',
  serverKey: 'server.key',
} as const;

export type DemoFile = keyof typeof DEMO_FILES;

export interface DemoPki {
  readonly dir: string;
  /** Absolute path of each file. */
  readonly files: Readonly<Record<DemoFile, string>>;
  /** True when this call generated the files (false: reused). */
  readonly generated: boolean;
}

const CERTIFICATE_FILES: readonly DemoFile[] = [
  'caBundle',
  'client',
  'selfSigned',
  'unregistered',
  'serverCa',
  'server',
];

async function usable(files: Record<DemoFile, string>, now: Date): Promise<boolean> {
  if (!Object.values(files).every((file) => existsSync(file))) return false;
  for (const name of CERTIFICATE_FILES) {
    try {
      const cert = new X509Certificate(await readFile(files[name]));
      // Regenerate a day before anything expires.
      if (new Date(cert.validTo).getTime() - now.getTime() < DAY) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function write(path: string, text: string, secret = false): Promise<void> {
  await writeFile(path, text, { mode: secret ? 0o600 : 0o644 });
  if (secret) await chmod(path, 0o600);
}

/** Creates the demo PKI in `dir` unless a usable one is already there. */
export async function ensureDemoPki(dir: string, now = new Date()): Promise<DemoPki> {
  const files = Object.fromEntries(
    Object.entries(DEMO_FILES).map(([name, file]) => [name, join(dir, file)]),
  ) as Record<DemoFile, string>;
  if (await usable(files, now)) return { dir, files, generated: false };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const year = new Date(now.getTime() + 365 * DAY);
  const root = await createCertificate({
    subject: 'CN=Customer Edge Demo Root CA, O=Customer Edge Demo',
    ca: true,
    notAfter: new Date(now.getTime() + 3650 * DAY),
  });
  const issuing = await createCertificate({
    subject: 'CN=Customer Edge Demo Issuing CA, O=Customer Edge Demo',
    issuer: root,
    ca: true,
    notAfter: new Date(now.getTime() + 1825 * DAY),
  });
  const client = await createCertificate({
    subject: 'CN=demo-client, O=Customer Edge Demo',
    issuer: issuing,
    notAfter: year,
  });
  const selfSigned = await createCertificate({
    subject: 'CN=demo-self-signed, O=Customer Edge Demo',
    notAfter: year,
  });
  const unregistered = await createCertificate({
    subject: 'CN=demo-unregistered, O=Customer Edge Demo',
    notAfter: year,
  });
  // RSA, so the FAPI profile's ECDHE-RSA suites can be negotiated.
  const serverCa = await createCertificate({
    subject: 'CN=Customer Edge Demo Server CA, O=Customer Edge Demo',
    ca: true,
    key: { type: 'rsa', bits: 2048 },
    notAfter: new Date(now.getTime() + 3650 * DAY),
  });
  const server = await createCertificate({
    subject: 'CN=localhost, O=Customer Edge Demo',
    issuer: serverCa,
    key: { type: 'rsa', bits: 2048 },
    extendedKeyUsage: 'serverAuth',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    notAfter: year,
  });
  await write(files.caBundle, root.pem + issuing.pem);
  await write(files.issuingCaKey, issuing.keyPem, true);
  await write(files.client, client.pem);
  await write(files.clientKey, client.keyPem, true);
  await write(files.selfSigned, selfSigned.pem);
  await write(files.selfSignedKey, selfSigned.keyPem, true);
  await write(files.unregistered, unregistered.pem);
  await write(files.unregisteredKey, unregistered.keyPem, true);
  await write(files.serverCa, serverCa.pem);
  await write(files.server, server.pem);
  await write(files.serverKey, server.keyPem, true);
  return { dir, files, generated: true };
}
