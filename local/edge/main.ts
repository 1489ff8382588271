/**
 * `npm start -- [options]`: the customer edge on this machine (docs/reference.md#local-edge). Parses argv, starts the
 * edge, prints the banner and one line per request; Ctrl-C stops everything.
 */
import { parseArgs } from 'node:util';

// Node.js 20 is the local runtime (the Lambda runs 24): the SDK's notice that its 2027 releases need
// Node.js 22 is known (docs/reference.md#runtimes) and would bury the banner.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { banner } from './banner';
import {
  DEFAULT_PORT,
  DEFAULT_REFRESH_INTERVAL_MS,
  DEFAULT_REGISTRY_PORT,
  DEFAULT_TABLE_NAME,
  startLocalEdge,
  type LocalEdge,
} from './edge';
import { isTlsProfile, TLS_PROFILES } from './tls-profile';
import { asError, errorMessage } from '../../shared/errors';
import { ALB_TLS_POLICY, DEFAULT_FRONT_DOOR, FRONT_DOORS, isFrontDoor } from '../../shared/contracts/alb';

const USAGE = `Usage: npm start -- [options]

The customer edge on this machine: an mTLS server on 127.0.0.1 in front of the proxy Lambda's handler,
with a demo PKI (.local/), an embedded registry and a built-in echo upstream standing in for Auth0.

Options:
  --port N             HTTPS port (default ${DEFAULT_PORT}; 0 = any free port)
  --ca FILE            trusted client CA bundle, PEM (default: the demo CA in .local/)
  --target URL         forward to this forwarding target instead of the echo upstream
  --api-key KEY        the cname-api-key to send (default: a random one)
  --registry-port N    embedded registry port (default ${DEFAULT_REGISTRY_PORT}; 0 = any free port)
  --table NAME         registry table name (default ${DEFAULT_TABLE_NAME})
  --front-door D       ${FRONT_DOORS.join(' | ')} (default ${DEFAULT_FRONT_DOOR}). alb: mTLS passthrough like the ALB
                       front door, its listener's TLS (${ALB_TLS_POLICY.name}), any client
                       certificate at the handshake, no truststore: the registry alone decides
  --tls-profile P      ${TLS_PROFILES.join(' | ')}, API Gateway front door (fapi: TLS 1.2 only with
                       ECDHE-RSA AES-GCM; TLS 1.3 preferred)
  --refresh-ms N       truststore refresh interval, API Gateway front door (default ${DEFAULT_REFRESH_INTERVAL_MS})
  --state-dir DIR      where the demo PKI lives (default .local/)
  --handler-logs       also show the handler's own JSON log lines
  -h, --help           this help

Optional proxy settings (docs/reference.md#proxy-environment) apply from the environment, e.g. CA_SIGNED_POLICY=registered npm start`;

class UsageError extends Error {}

/** How often the edge checks that the process that started it is still there. */
const PARENT_CHECK_MS = 1000;

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${name} must be a port number, got "${value}"`);
  return n;
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      ca: { type: 'string' },
      target: { type: 'string' },
      'api-key': { type: 'string' },
      'registry-port': { type: 'string' },
      table: { type: 'string' },
      'front-door': { type: 'string' },
      'tls-profile': { type: 'string' },
      'refresh-ms': { type: 'string' },
      'state-dir': { type: 'string' },
      'handler-logs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const frontDoor = values['front-door'] ?? DEFAULT_FRONT_DOOR;
  if (!isFrontDoor(frontDoor)) throw new UsageError(`--front-door must be one of ${FRONT_DOORS.join(', ')}`);
  const profile = values['tls-profile'] ?? 'default';
  if (!isTlsProfile(profile)) throw new UsageError(`--tls-profile must be one of ${TLS_PROFILES.join(', ')}`);
  if (frontDoor === 'alb' && values['tls-profile'] !== undefined) {
    throw new UsageError(
      `--tls-profile is for the API Gateway front door; the ALB front door offers its listener's policy (${ALB_TLS_POLICY.name})`,
    );
  }
  const refresh = Number(values['refresh-ms'] ?? DEFAULT_REFRESH_INTERVAL_MS);
  if (!Number.isInteger(refresh) || refresh < 100)
    throw new UsageError('--refresh-ms must be an integer ≥ 100');
  if (values.target !== undefined) {
    try {
      new URL(values.target);
    } catch {
      throw new UsageError(`--target must be a URL, got "${values.target}"`);
    }
  }
  return {
    help: values.help ?? false,
    options: {
      port: port(values.port, '--port', DEFAULT_PORT),
      registryPort: port(values['registry-port'], '--registry-port', DEFAULT_REGISTRY_PORT),
      tableName: values.table,
      caFile: values.ca,
      target: values.target,
      apiKey: values['api-key'],
      frontDoor,
      tlsProfile: profile,
      refreshIntervalMs: refresh,
      handlerLogs: values['handler-logs'] ?? false,
      stateDir: values['state-dir'],
    },
  };
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let edge: LocalEdge;
  try {
    edge = await startLocalEdge({ ...parsed.options, log: (line) => process.stdout.write(`${line}\n`) });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const hint =
      e.code === 'EADDRINUSE' ? ' (port in use: pick another with --port / --registry-port, or 0)' : '';
    process.stderr.write(`local edge: ${e.message}${hint}\n`);
    return 1;
  }
  process.stdout.write(
    `${banner({
      url: edge.url,
      registryEndpoint: edge.registryEndpoint,
      tableName: edge.tableName,
      forwardingTarget: edge.forwardingTarget,
      echoUpstream: edge.upstream !== undefined,
      pki: edge.pki,
      caFile: edge.caFile,
      usesDemoCa: edge.usesDemoCa,
      frontDoor: edge.frontDoor,
      tlsProfile: edge.tlsProfile,
      cwd: process.cwd(),
    })}\n`,
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\n${signal}: stopping…\n`);
      edge.stop().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`local edge: ${errorMessage(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    // A parent that went away without passing a signal on (npm killed with SIGKILL, a script shell that
    // died of the signal instead of forwarding it) leaves this process re-parented: stop then too, so
    // nothing keeps holding the ports.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop('parent exited');
    }, PARENT_CHECK_MS).unref();
  });
}

main().then(
  (code) => {
    // Everything the edge started is closed by now; exit even if a library left a timer behind.
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`local edge: ${asError(error).stack ?? errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
