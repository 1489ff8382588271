/**
 * The CA bundle the CLI can see, to tell which registry entries the truststore leaves out and why
 * (`list`, `show`) and to refuse up front a certificate it would leave out (`register`): `--ca FILE`,
 * else the truststore the deployed stack published. Either way the verdict comes from the builder's own
 * rule (shared/truststore-registry.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inspectCertificate, splitPemBlocks } from '../shared/certificate';
import { errorCode, errorMessage } from '../shared/errors';
import type { RegistryEntry } from '../shared/registry-model';
import type { Context } from './context';
import { usageError } from './errors';

export interface CaBundleView {
  /** The certificates to check against (PEM). */
  readonly pem: string;
  /** How reasons name them, e.g. `the CA bundle`. */
  readonly bundleName: string;
  /** The certificates include registered self-signed ones (the whole deployed truststore). */
  readonly includesRegistered: boolean;
}

/** The view's certificates without this one (a registered certificate is no objection to itself). */
export function withoutCertificate(view: CaBundleView, thumbprint: string): string {
  if (!view.includesRegistered) return view.pem;
  const kept = splitPemBlocks(view.pem).filter((block) => {
    try {
      return inspectCertificate(block).thumbprint !== thumbprint;
    } catch {
      return true;
    }
  });
  return kept.map((block) => `${block}\n`).join('');
}

/** The option every command that can take a CA bundle offers. */
export const CA_OPTION = { ca: { type: 'string' } } as const;
export const CA_HELP = [
  '  --ca FILE         the trusted client CA bundle (PEM) to check against; default: the truststore',
  '                    the deployed stack published (not for the local edge)',
];

function readBundle(file: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw usageError(`--ca ${file}: cannot read (${errorCode(error) ?? errorMessage(error)})`);
  }
}

/**
 * `--ca FILE`, else the deployed truststore: all of it (for `register`), or, given the registry's
 * entries, its CA certificates only (the blocks that are not registered self-signed certificates).
 * Undefined when there is nothing to see; a deployed truststore that cannot be read is said on stderr.
 */
export async function caBundleView(
  ctx: Context,
  caFile: string | undefined,
  registered?: readonly RegistryEntry[],
): Promise<CaBundleView | undefined> {
  if (caFile !== undefined) {
    return { pem: readBundle(caFile, ctx.cwd), bundleName: 'the CA bundle', includesRegistered: false };
  }
  const deployed = await ctx.deployedTruststore();
  if (deployed === undefined) return undefined;
  if ('problem' in deployed) {
    ctx.err(`edge-certs: note: ${deployed.problem}; pass --ca FILE to check against the CA bundle`);
    return undefined;
  }
  if (!registered) {
    return {
      pem: deployed.pem,
      bundleName: `the deployed truststore (${deployed.where})`,
      includesRegistered: true,
    };
  }
  const selfSigned = new Set(registered.filter((e) => e.kind === 'self-signed').map((e) => e.thumbprint));
  const cas = splitPemBlocks(deployed.pem).filter((block) => {
    try {
      return !selfSigned.has(inspectCertificate(block).thumbprint);
    } catch {
      return false;
    }
  });
  return {
    pem: cas.map((block) => `${block}\n`).join(''),
    bundleName: 'the CA bundle',
    includesRegistered: false,
  };
}
