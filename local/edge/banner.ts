/**
 * What `npm start` prints: where the edge listens, and ready-to-paste curl commands for each demo
 * certificate with the outcome to expect. Pure, so the smoke test can check the very commands printed.
 */
import { isAbsolute, relative } from 'node:path';
import { ALB_TLS_POLICY, type FrontDoor } from '../../shared/contracts/alb';
import { PROXY_DEFAULTS, PROXY_ENV } from '../../shared/contracts/proxy';
import type { DemoPki } from './demo-pki';

export interface BannerInput {
  readonly url: string;
  readonly registryEndpoint: string;
  readonly tableName: string;
  readonly forwardingTarget: string;
  readonly echoUpstream: boolean;
  readonly pki: DemoPki;
  readonly caFile: string;
  readonly usesDemoCa: boolean;
  readonly frontDoor: FrontDoor;
  readonly tlsProfile: string;
  /** Print file paths relative to this directory when they are inside it. */
  readonly cwd: string;
}

export interface DemoCommand {
  readonly title: string;
  readonly expected: string;
  readonly command: string;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** The curl commands, one per demo certificate, in the order they are printed. */
export function demoCommands(input: BannerInput): DemoCommand[] {
  const file = (path: string) => shellQuote(displayPath(path, input.cwd));
  const { files } = input.pki;
  const base = `curl --cacert ${file(files.serverCa)}`;
  const token = `${input.url}/oauth/token -d grant_type=client_credentials`;
  const forwarded = input.echoUpstream
    ? 'the echo upstream answers with the request it received'
    : 'forwarded';
  const commands: DemoCommand[] = [];
  if (input.usesDemoCa) {
    commands.push({
      title: 'CA-signed client certificate',
      expected: `200, client-certificate-ca-verified: SUCCESS (${forwarded})`,
      command: `${base} --cert ${file(files.client)} --key ${file(files.clientKey)} ${token}`,
    });
  }
  commands.push(
    {
      title: 'registered self-signed certificate',
      expected: `200, client-certificate-ca-verified: FAILED (${forwarded})`,
      command: `${base} --cert ${file(files.selfSigned)} --key ${file(files.selfSignedKey)} ${token}`,
    },
    {
      title: 'unregistered self-signed certificate',
      expected:
        input.frontDoor === 'alb'
          ? '401 invalid_client: the handshake takes any certificate, the registry decides (nothing forwarded)'
          : 'refused in the TLS handshake, not in the truststore (curl: (35), or with TLS 1.3 (52) Empty reply / (56))',
      command: `${base} --cert ${file(files.unregistered)} --key ${file(files.unregisteredKey)} ${token}`,
    },
    {
      title: 'a path the edge does not serve',
      expected: '404 not_found, nothing forwarded',
      command: input.usesDemoCa
        ? `${base} --cert ${file(files.client)} --key ${file(files.clientKey)} ${input.url}/authorize`
        : `${base} --cert ${file(files.selfSigned)} --key ${file(files.selfSignedKey)} ${input.url}/authorize`,
    },
  );
  return commands;
}

/** The registry admin command for this edge. */
export function edgeCertsCommand(
  input: Pick<BannerInput, 'registryEndpoint' | 'tableName'>,
  args: string,
): string {
  return `AWS_ENDPOINT_URL_DYNAMODB=${input.registryEndpoint} npx edge-certs --table ${input.tableName} ${args}`;
}

export function banner(input: BannerInput): string {
  const door =
    input.frontDoor === 'alb'
      ? `ALB front door: mTLS passthrough, TLS policy ${ALB_TLS_POLICY.name}`
      : `mTLS, TLS profile: ${input.tlsProfile}`;
  const lines = [
    `Customer edge (local) listening on ${input.url} (${door})`,
    `  client CA bundle:  ${displayPath(input.caFile, input.cwd)}${input.usesDemoCa ? ' (demo PKI)' : ''}`,
    `  registry:          ${input.registryEndpoint} (table ${input.tableName}, in memory)`,
    `  forwarding target: ${input.forwardingTarget}${input.echoUpstream ? ' (built-in echo upstream)' : ''}`,
    `  demo PKI:          ${displayPath(input.pki.dir, input.cwd)}/`,
    '',
  ];
  if (!input.usesDemoCa)
    lines.push('(--ca given: the demo CA-signed client certificate is not trusted here)', '');
  for (const c of demoCommands(input)) {
    lines.push(`# ${c.title} → ${c.expected}`, c.command, '');
  }
  lines.push(
    input.frontDoor === 'alb'
      ? `# manage the registry (register, revoke, list…); the proxy sees a change within its registry cache lifetime (${PROXY_ENV.registryCacheTtlSeconds}, default ${PROXY_DEFAULTS.registryCacheTtlSeconds} s):`
      : '# manage the registry (register, revoke, list…); the truststore follows within seconds:',
    edgeCertsCommand(input, 'list'),
    edgeCertsCommand(
      input,
      `register --cert ${shellQuote(displayPath(input.pki.files.unregistered, input.cwd))}`,
    ),
    '',
    'One line per request below. Ctrl-C stops everything.',
  );
  return lines.join('\n');
}
