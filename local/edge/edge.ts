/**
 * The whole customer edge on one machine (docs/reference.md#local-edge): demo PKI, embedded registry (dynalite), a secret
 * store stand-in holding the API key, an echo upstream in place of Auth0 (unless `target`), and the mTLS
 * front door (API Gateway's, with a truststore built from the registry, or the ALB's, passthrough with
 * no truststore: the registry alone decides) calling the very handler the Lambda runs. Importable, so
 * the end-to-end tests start it with ephemeral ports; `main.ts` only parses argv and prints.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { composeProxy } from '../../lambda/proxy/compose';
import { ALB_CLIENT_CERT_HEADER, DEFAULT_FRONT_DOOR, type FrontDoor } from '../../shared/contracts/alb';
import { LOCAL_EDGE_DEFAULTS } from '../../shared/contracts/local-edge';
import { PROXY_ENV } from '../../shared/contracts/proxy';
import { POWERTOOLS_ENV } from '../../shared/contracts/telemetry';
import { inspectCertificate } from '../../shared/certificate';
import { registerSelfSigned, scanRegistryContents } from '../../shared/registry-store';
import type { TruststoreFinding } from '../../shared/truststore';
import { assembleFromRegistry, type Exclusion } from '../../shared/truststore-registry';
import {
  createRegistryTable,
  LOCAL_REGION,
  startRegistryServer,
  type RegistryServer,
} from '../../stand-ins/registry-server';
import { PRINCIPAL_CREDENTIALS } from '../../stand-ins/iam-gate';
import { startSecretsManagerStandIn, type SecretsManagerStandIn } from '../../stand-ins/secrets-manager';
import { echo, startUpstream, type Responder, type Upstream } from '../../stand-ins/upstream';
import { ensureDemoPki, type DemoPki } from './demo-pki';
import {
  startEdgeServer,
  type EdgeServer,
  type ProxyHandler,
  type RequestRecord,
  type RunningServer,
} from './server';
import type { TlsProfile } from './tls-profile';
import { errorMessage } from '../../shared/errors';

export const DEFAULT_PORT = LOCAL_EDGE_DEFAULTS.port;
export const DEFAULT_REGISTRY_PORT = LOCAL_EDGE_DEFAULTS.registryPort;
export const DEFAULT_TABLE_NAME = LOCAL_EDGE_DEFAULTS.tableName;
export const DEFAULT_REFRESH_INTERVAL_MS = LOCAL_EDGE_DEFAULTS.refreshIntervalMs;
/** Repository root `.local/` (gitignored). */
export const DEFAULT_STATE_DIR = resolve(__dirname, '..', '..', '.local');
/** The echo upstream's request records kept for the terminal log (a long-running demo must not grow). */
const UPSTREAM_RECORDS_KEPT = 1000;
const SECRET_ID = 'customer-edge/cname-api-key';

export interface LocalEdgeOptions {
  /** HTTPS port on 127.0.0.1; 0 = ephemeral. @default 8443 */
  readonly port?: number;
  /** Embedded registry port on 127.0.0.1; 0 = ephemeral. @default 8000 */
  readonly registryPort?: number;
  /** @default 'customer-edge-registry' */
  readonly tableName?: string;
  /** Where the demo PKI lives. @default '<repository>/.local' */
  readonly stateDir?: string;
  /** Trusted client CA bundle (PEM). @default - the demo CA bundle */
  readonly caFile?: string;
  /** A real forwarding target (origin URL). @default - the built-in echo upstream */
  readonly target?: string;
  /** The `cname-api-key`. @default - a random one */
  readonly apiKey?: string;
  /**
   * Which front door the edge behaves like: API Gateway (mTLS against a truststore built from the CA
   * bundle and the registry) or the ALB (mTLS passthrough under its listener's TLS policy; no
   * truststore). @default 'api-gateway'
   */
  readonly frontDoor?: FrontDoor;
  /** The API Gateway front door's TLS settings (the ALB's are its listener policy). @default 'default' */
  readonly tlsProfile?: TlsProfile;
  /** Truststore refresh interval (API Gateway front door); 0 = only on `refreshTruststore()`. @default 2000 */
  readonly refreshIntervalMs?: number;
  /**
   * More environment for the handler (optional proxy settings of docs/reference.md#proxy-environment,
   * e.g. REGISTRY_CACHE_TTL_SECONDS). Variables already in `process.env` apply too.
   */
  readonly handlerEnv?: Readonly<Record<string, string>>;
  /** Show the handler's own JSON log lines (Powertools, INFO). @default false: warnings and errors only */
  readonly handlerLogs?: boolean;
  /**
   * Use this handler instead of the proxy composed from `lambda/proxy/compose.ts` (API Gateway front
   * door only).
   */
  readonly handler?: ProxyHandler;
  /** One line per request and truststore change. @default - nothing printed */
  readonly log?: (line: string) => void;
}

export interface LocalEdge {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly registryEndpoint: string;
  readonly registryPort: number;
  readonly tableName: string;
  /** The built-in echo upstream (undefined with `target`). */
  readonly upstream: Upstream | undefined;
  readonly forwardingTarget: string;
  readonly apiKey: string;
  readonly pki: DemoPki;
  /** The trusted client CA bundle in use. */
  readonly caFile: string;
  readonly usesDemoCa: boolean;
  readonly frontDoor: FrontDoor;
  readonly tlsProfile: TlsProfile;
  /**
   * The truststore currently served (PEM) and its certificate count; undefined for the ALB front door,
   * which has none.
   */
  truststore(): { readonly pem: string; readonly certificates: number } | undefined;
  /** Re-reads the registry now; resolves true when the truststore changed (never, without one). */
  refreshTruststore(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Registers the demo self-signed certificate, as `edge-certs register` would (idempotent). */
async function registerDemoCertificate(
  client: DynamoDBClient,
  tableName: string,
  pemFile: string,
): Promise<void> {
  const cert = inspectCertificate(await readFile(pemFile, 'utf8'));
  const result = await registerSelfSigned(client, tableName, cert, { clientId: 'demo' });
  if (result.outcome !== 'registered' && result.outcome !== 'unchanged') {
    throw new Error(`the demo self-signed certificate could not be registered (${result.outcome})`);
  }
}

/**
 * The echo answer, with the API key replaced by a note on whether it matched: the demo shows that the
 * key arrived without printing it in the client's terminal.
 */
export function redactingEcho(apiKey: string): Responder {
  return (request, res) => {
    const keys = request.headers['cname-api-key'] ?? [];
    const shown = keys.map((k) =>
      k === apiKey ? '(redacted: the configured API key)' : '(redacted: NOT the configured API key)',
    );
    echo(
      { ...request, headers: { ...request.headers, ...(keys.length ? { 'cname-api-key': shown } : {}) } },
      res,
    );
  };
}

function describeFindings(findings: readonly TruststoreFinding[]): string {
  return findings.map((f) => `  - ${f.message}`).join('\n');
}

/** The registry entries the truststore leaves out, one line each (what `edge-certs list` shows too). */
function describeExclusions(excluded: readonly Exclusion[]): string {
  if (excluded.length === 0) return '';
  const lines = excluded.map((e) => `  - ${e.thumbprint}${e.subject ? ` (${e.subject})` : ''}: ${e.reason}`);
  return `truststore: ${excluded.length} registry entr${excluded.length === 1 ? 'y' : 'ies'} left out:\n${lines.join('\n')}`;
}

/** A short decision label for the terminal log. */
function decisionOf(record: RequestRecord, upstream: Upstream | undefined): string {
  if (record.handlerError) return `handler error: ${record.handlerError}`;
  const answer = record.error
    ? ` (${record.error}${record.errorDescription ? `: ${record.errorDescription}` : ''})`
    : '';
  if (!upstream) return record.error ? `answered${answer}` : 'answered';
  // The echo upstream is ours: it tells whether and how the request was forwarded.
  const forwarded = [...upstream.received]
    .reverse()
    .find((r) => r.headers['x-amzn-trace-id']?.includes(record.traceId));
  if (upstream.received.length > UPSTREAM_RECORDS_KEPT) {
    upstream.received.splice(0, upstream.received.length - UPSTREAM_RECORDS_KEPT);
  }
  if (!forwarded) return `not forwarded${answer}`;
  return `forwarded ${forwarded.headers['client-certificate-ca-verified']?.join(',') ?? '(no verification header)'}`;
}

function timeOfDay(date: Date): string {
  return date.toISOString().slice(11, 19);
}

export async function startLocalEdge(options: LocalEdgeOptions = {}): Promise<LocalEdge> {
  const log = options.log ?? (() => undefined);
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const tlsProfile = options.tlsProfile ?? 'default';
  const frontDoor = options.frontDoor ?? DEFAULT_FRONT_DOOR;
  if (frontDoor === 'alb' && options.handler) {
    throw new Error('a stand-in handler is for the API Gateway front door only');
  }
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const pki = await ensureDemoPki(options.stateDir ?? DEFAULT_STATE_DIR);
    const caFile = resolve(options.caFile ?? pki.files.caBundle);
    const caBundlePem = await readFile(caFile, 'utf8');

    const registry: RegistryServer = await startRegistryServer(options.registryPort ?? DEFAULT_REGISTRY_PORT);
    stops.push(() => registry.close());
    const dynamo = registry.client();
    await createRegistryTable(dynamo, tableName);
    await registerDemoCertificate(dynamo, tableName, pki.files.selfSigned);

    const apiKey = options.apiKey ?? randomBytes(24).toString('base64url');
    const secrets: SecretsManagerStandIn = await startSecretsManagerStandIn({ [SECRET_ID]: apiKey });
    stops.push(() => secrets.close());

    let upstream: Upstream | undefined;
    if (!options.target) {
      upstream = await startUpstream();
      upstream.respond(redactingEcho(apiKey));
      const started = upstream;
      stops.push(() => started.close());
    }
    const forwardingTarget = options.target ?? upstream!.url;

    // The proxy role's throwaway credentials: where the tests install an IAM gate, its calls are checked.
    const local = { region: LOCAL_REGION, credentials: PRINCIPAL_CREDENTIALS.proxy };
    // As the stack does: the listener writes the chain under a name with a suffix no client knows.
    const albCertHeader = `${ALB_CLIENT_CERT_HEADER}-${randomBytes(6).toString('hex')}`;
    const composed = () =>
      composeProxy({
        // Optional proxy settings (docs/reference.md#proxy-environment) apply from this process's
        // environment, e.g. CA_SIGNED_POLICY=registered npm start; the required ones are the edge's own.
        env: {
          ...process.env,
          [POWERTOOLS_ENV.logLevel]: options.handlerLogs
            ? 'INFO'
            : (process.env[POWERTOOLS_ENV.logLevel] ?? 'WARN'),
          [POWERTOOLS_ENV.metricsDisabled]: process.env[POWERTOOLS_ENV.metricsDisabled] ?? 'true',
          ...options.handlerEnv,
          [PROXY_ENV.forwardingTarget]: forwardingTarget,
          [PROXY_ENV.secretId]: SECRET_ID,
          [PROXY_ENV.registryTableName]: tableName,
          [PROXY_ENV.caBundleFile]: caFile,
          [PROXY_ENV.albClientCertHeader]: albCertHeader,
        },
        handlerDir: process.cwd(),
        dynamodb: { ...local, endpoint: registry.endpoint },
        secretsManager: { ...local, endpoint: secrets.endpoint },
      });

    const [serverCert, serverKey] = await Promise.all([
      readFile(pki.files.server, 'utf8'),
      readFile(pki.files.serverKey, 'utf8'),
    ]);
    const onRequest = (record: RequestRecord) => {
      log(
        `${timeOfDay(new Date())} ${record.method} ${record.path} ${record.statusCode} ` +
          `${decisionOf(record, upstream)} ${record.latencyMs.toFixed(1)} ms` +
          (record.subject ? ` [${record.subject}]` : ''),
      );
    };
    const edge = {
      registryEndpoint: registry.endpoint,
      registryPort: registry.port,
      tableName,
      upstream,
      forwardingTarget,
      apiKey,
      pki,
      caFile,
      usesDemoCa: caFile === resolve(pki.files.caBundle),
      frontDoor,
      tlsProfile,
      stop: stopAll,
    };

    if (frontDoor === 'alb') {
      // Passthrough: no truststore to build or refresh; a registration or revocation reaches the
      // handler within its registry cache lifetime.
      const server: RunningServer = await startEdgeServer({
        frontDoor: 'alb',
        handler: composed().albHandler,
        certHeader: albCertHeader,
        cert: serverCert,
        key: serverKey,
        port: options.port ?? DEFAULT_PORT,
        onRequest,
      });
      stops.push(() => server.close());
      return {
        ...edge,
        url: `https://127.0.0.1:${server.port}`,
        port: server.port,
        truststore: () => undefined,
        refreshTruststore: () => Promise.resolve(false),
      };
    }

    const handler = options.handler ?? composed().apiGatewayHandler;

    // The builder's rule (shared/truststore-registry.ts): a bad entry is left out, the rest goes in.
    const assemble = async () =>
      assembleFromRegistry(caBundlePem, await scanRegistryContents(dynamo, tableName));
    const first = await assemble();
    if (!first.ok) {
      throw new Error(`the truststore cannot be assembled:\n${describeFindings(first.errors)}`);
    }
    if (first.warnings.length) log(`truststore warnings:\n${describeFindings(first.warnings)}`);
    let lastExclusions = describeExclusions(first.excluded);
    if (lastExclusions) log(lastExclusions);
    let current = { pem: first.pem, certificates: first.certificates };

    const server: EdgeServer = await startEdgeServer({
      handler,
      cert: serverCert,
      key: serverKey,
      truststore: current.pem,
      tlsProfile,
      port: options.port ?? DEFAULT_PORT,
      onRequest,
    });
    stops.push(() => server.close());

    let lastProblem = '';
    const refreshOnce = async (): Promise<boolean> => {
      let result;
      try {
        result = await assemble();
      } catch (error) {
        const problem = `registry unreadable, keeping the current truststore: ${errorMessage(error)}`;
        if (problem !== lastProblem) log(problem);
        lastProblem = problem;
        return false;
      }
      if (!result.ok) {
        const problem = `the registry's truststore has errors, keeping the current one:\n${describeFindings(result.errors)}`;
        if (problem !== lastProblem) log(problem);
        lastProblem = problem;
        return false;
      }
      lastProblem = '';
      const exclusions = describeExclusions(result.excluded);
      if (exclusions !== lastExclusions && exclusions) log(exclusions);
      lastExclusions = exclusions;
      if (result.pem === current.pem) return false;
      server.setTruststore(result.pem);
      current = { pem: result.pem, certificates: result.certificates };
      log(`${timeOfDay(new Date())} truststore updated: ${result.certificates} certificates`);
      return true;
    };
    let chain: Promise<unknown> = Promise.resolve();
    const refreshTruststore = (): Promise<boolean> => {
      const next = chain.then(refreshOnce);
      chain = next.catch(() => undefined);
      return next;
    };
    const interval = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const schedule = () => {
      if (stopped || interval <= 0) return;
      timer = setTimeout(() => {
        void refreshTruststore().finally(schedule);
      }, interval);
    };
    schedule();
    stops.push(async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await chain;
    });

    return {
      ...edge,
      url: `https://127.0.0.1:${server.port}`,
      port: server.port,
      truststore: () => current,
      refreshTruststore,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
