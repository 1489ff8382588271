/** `truststore build` and `truststore check`: the shared checks of docs/reference.md#truststore-checks, printed for people. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inspectCertificate, splitPemBlocks } from '../../shared/certificate';
import { scanRegistryContents, type RegistryContents } from '../../shared/registry-store';
import { errorCode, errorMessage } from '../../shared/errors';
import { checkTruststore, type TruststoreResult } from '../../shared/truststore';
import { assembleFromRegistry } from '../../shared/truststore-registry';
import { EXIT_OK, EXIT_USAGE, usageError } from '../errors';
import type { Command } from './spec';

const PUBLIC_CA_BANNER = [
  '!!! --allow-public-ca: this truststore trusts a PUBLIC certificate authority. Anyone who can get a',
  '!!! certificate from it completes the mTLS handshake with API Gateway. Only CA_SIGNED_POLICY=registered',
  '!!! (every CA-signed certificate allow-listed with `edge-certs allow`) then keeps strangers from Auth0.',
];

function readText(path: string, cwd: string, what: string): string {
  try {
    return readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw usageError(`${what} ${path}: cannot read (${errorCode(error) ?? errorMessage(error)})`);
  }
}

/** The certificate that expires first: `2026-01-01T00:00:00.000Z (CN=…)`. */
function earliest(result: TruststoreResult): string {
  if (!result.earliestExpiry) return 'none';
  const time = result.earliestExpiry.getTime();
  for (const block of splitPemBlocks(result.pem)) {
    try {
      const cert = inspectCertificate(block);
      if (cert.notAfter.getTime() === time) return `${result.earliestExpiry.toISOString()} (${cert.subject})`;
    } catch {
      // reported as unparsable already
    }
  }
  return result.earliestExpiry.toISOString();
}

/** Every finding, then the summary; returns the exit status (2 on any error). */
function report(print: (line: string) => void, result: TruststoreResult, allowPublicCa: boolean): number {
  for (const f of [...result.errors, ...result.warnings]) {
    print(`${f.severity === 'error' ? 'ERROR  ' : 'WARNING'} ${f.code}: ${f.message}`);
  }
  if (allowPublicCa && result.warnings.some((f) => f.code === 'public-ca')) PUBLIC_CA_BANNER.forEach(print);
  print(
    `truststore: ${result.certificates} certificates, ${result.bytes} bytes, earliest expiry ${earliest(result)}`,
  );
  const counts = `${result.errors.length} error(s), ${result.warnings.length} warning(s)`;
  print(result.ok ? `result: OK (${counts})` : `result: REFUSED (${counts})`);
  return result.ok ? EXIT_OK : EXIT_USAGE;
}

export const truststoreBuildCommand: Command = {
  name: 'truststore build',
  usage: 'edge-certs truststore build --ca FILE [--out FILE] [--allow-public-ca] [--no-registry]',
  summary: 'write the truststore: the CA bundle plus every active self-signed certificate, checked',
  details: [
    'Runs the checks of `truststore check` on the result. Like the truststore builder, it leaves out',
    'each registry entry the checks would refuse (or an expired one), says which and why, and writes',
    "the rest; a problem no single entry causes (the CA bundle's) writes nothing (exit 2). The report",
    'goes to stdout, or to stderr when the truststore itself goes to stdout (no --out).',
    '',
    '  --ca FILE           PEM bundle of the trusted client CAs (roots and intermediates)',
    '  --out FILE          write the truststore here (default: stdout)',
    '  --allow-public-ca   accept a publicly trusted CA (loudly): anyone could get a certificate from it',
    '  --no-registry       build from the CA bundle alone, without reading the registry',
  ],
  options: {
    ca: { type: 'string' },
    out: { type: 'string' },
    'allow-public-ca': { type: 'boolean' },
    'no-registry': { type: 'boolean' },
  },
  usesRegistry: true,
  async run(ctx, values) {
    const caPath = values.ca as string | undefined;
    if (!caPath)
      throw usageError('truststore build: --ca FILE is required (the PEM bundle of trusted client CAs)');
    const out = values.out as string | undefined;
    const allowPublicCa = Boolean(values['allow-public-ca']);
    const print = out ? (line: string) => ctx.out(line) : (line: string) => ctx.err(line);
    const caBundle = readText(caPath, ctx.cwd, 'CA bundle');
    const now = ctx.now();

    let contents: RegistryContents = { entries: [], incomplete: [] };
    let table: string | undefined;
    if (values['no-registry']) {
      print('registry: not read (--no-registry): the truststore holds the CA bundle only');
    } else {
      table = await ctx.table();
      contents = await scanRegistryContents(ctx.dynamodb(), table);
    }
    // The builder's rule: a registry entry the checks would refuse is left out, with its reason.
    const result = assembleFromRegistry(caBundle, contents, { now, allowPublicCa });
    if (table !== undefined) {
      const left = result.excluded.length;
      print(
        `registry ${table}: ${result.included.length} active self-signed certificate(s)${left > 0 ? `, ${left} left out` : ''}`,
      );
    }
    for (const e of result.excluded) {
      print(`LEFT OUT ${e.code}: ${e.thumbprint} (${e.subject ?? 'no subject'}): ${e.reason}`);
    }
    const status = report(print, result, allowPublicCa);
    if (status !== EXIT_OK) {
      print('truststore NOT written');
      return status;
    }
    if (out) {
      const target = resolve(ctx.cwd, out);
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, result.pem);
      renameSync(temporary, target);
      print(`wrote ${out}`);
    } else {
      ctx.io.stdout.write(result.pem);
    }
    return EXIT_OK;
  },
};

export const truststoreCheckCommand: Command = {
  name: 'truststore check',
  usage: 'edge-certs truststore check FILE [--allow-public-ca]',
  summary: 'run the truststore checks on a file; exit 2 on any error',
  details: [
    'Errors: unparsable PEM; a certificate neither self-signed nor CA:TRUE, or one that issued another',
    'certificate of the file without CA:TRUE; a publicly trusted root or one issued by it; RSA under',
    '2048 bits or EC under P-256; SHA-1 or MD5 signatures; expired or not yet valid; two certificates',
    'with one subject DN; 1,000,000 bytes or more. Warnings: expiring within 30 days; an intermediate',
    'whose issuer is not in the file.',
    '',
    '  --allow-public-ca   report a publicly trusted CA as a warning instead of an error',
  ],
  options: { 'allow-public-ca': { type: 'boolean' } },
  positionals: ['FILE'],
  usesRegistry: false,
  async run(ctx, values, positionals) {
    const file = positionals[0] as string;
    const allowPublicCa = Boolean(values['allow-public-ca']);
    const result = checkTruststore(readText(file, ctx.cwd, 'truststore'), { now: ctx.now(), allowPublicCa });
    ctx.out(`checking ${file}`);
    return report((line) => ctx.out(line), result, allowPublicCa);
  },
};
