/**
 * Runs the real proxy, composed exactly as the Lambda entry composes it (lambda/proxy/compose.ts), against
 * real local servers: dynalite as the registry, the Secrets Manager stand-in and a recording HTTP
 * upstream. Each configuration is its own composed proxy: nothing touches process.env.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeProxy, type ComposedProxy } from '../../lambda/proxy/compose';
import { inspectCertificate } from '../../shared/certificate';
import { itemFromEntry, type RegistryStatus } from '../../shared/registry-model';
import { entryForCertificate } from '../../shared/registry-store';
import { close, listen } from '../../stand-ins/listen';
import { createTestPki, type TestPki } from '../../stand-ins/pki';
import { PRINCIPAL_CREDENTIALS } from '../../stand-ins/iam-gate';
import {
  LOCAL_REGION,
  createRegistryTable,
  startRegistryServer,
  type RegistryServer,
} from '../../stand-ins/registry-server';
import {
  secretArnFor,
  startSecretsManagerStandIn,
  type SecretsManagerStandIn,
} from '../../stand-ins/secrets-manager';
import { currentTemplateIam } from './iam';

let proxies = 0;
import { startUpstream, type Upstream } from '../../stand-ins/upstream';
import { doorClient, type DoorClient, type DoorUnderTest } from './front-doors';

export const TABLE = 'customer-edge-registry';
export const SECRET_ID = 'customer-edge/cname-api-key';
export const API_KEY = 'test-cname-api-key-0123456789';

/** How a composed proxy of the harness runs besides its environment. */
export interface ProxyOptions {
  /** Where its per-request log line goes. @default - process.stdout */
  readonly write?: (line: string) => void;
}

export interface Harness {
  readonly pki: TestPki;
  readonly registry: RegistryServer;
  readonly secrets: SecretsManagerStandIn;
  readonly upstream: Upstream;
  readonly caBundleFile: string;
  /**
   * A freshly composed proxy (its own caches and connections) with these environment variables over the
   * harness defaults. `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_SECRETS_MANAGER` point its clients
   * elsewhere (an unreachable or hanging endpoint).
   */
  proxyWith(env?: Record<string, string>, options?: ProxyOptions): ComposedProxy;
  /** A client of one front door of a freshly composed proxy (see `proxyWith`). */
  client(door: DoorUnderTest, env?: Record<string, string>, options?: ProxyOptions): DoorClient;
  /** Registers a certificate directly in the registry. */
  putEntry(pem: string, kind: 'self-signed' | 'ca-signed', status?: RegistryStatus): Promise<void>;
  /** A TCP server that accepts connections and never answers (a hung dependency). */
  hangingEndpoint(): Promise<string>;
  getItemCalls(): number;
  /**
   * The clock every proxy of this harness runs on: real time plus whatever the test skipped, so cache
   * lifetimes pass when the test says so, not when a busy machine happens to be slow.
   */
  readonly clock: { now(): number; advance(ms: number): void };
  close(): Promise<void>;
}

export async function startHarness(options: { readonly secretKmsKeyArn?: string } = {}): Promise<Harness> {
  const pki = await createTestPki('Harness');
  const registry = await startRegistryServer();
  const dynamo = registry.client();
  await createRegistryTable(dynamo, TABLE);
  const secrets = await startSecretsManagerStandIn({ [SECRET_ID]: API_KEY }, 0, {
    kmsKeys: options.secretKmsKeyArn ? { [SECRET_ID]: options.secretKmsKeyArn } : {},
  });
  const upstream = await startUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'edge-harness-'));
  const caBundleFile = join(dir, 'ca-bundle.pem');
  writeFileSync(caBundleFile, pki.caBundlePem);
  const hanging: Array<{ server: Server; sockets: Set<Socket> }> = [];
  let skipped = 0;
  const clock = {
    now: () => Date.now() + skipped,
    advance: (ms: number) => {
      skipped += ms;
    },
  };

  const harness: Harness = {
    pki,
    registry,
    secrets,
    upstream,
    caBundleFile,
    proxyWith(env = {}, options = {}) {
      const full: Record<string, string> = {
        FORWARDING_TARGET: upstream.url,
        CNAME_API_KEY_SECRET_ID: SECRET_ID,
        REGISTRY_TABLE_NAME: TABLE,
        CA_BUNDLE_FILE: caBundleFile,
        AWS_ENDPOINT_URL_DYNAMODB: registry.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
        // Deadlines only where a test is about them: a busy machine must not turn a slow answer into
        // a 503 or a 504 (the first SDK call of a fresh proxy alone can take seconds there).
        DEPENDENCY_TIMEOUT_MS: '60000',
        UPSTREAM_TIMEOUT_MS: '60000',
        ...env,
      };
      // The proxy role's credentials. Under useTemplateIam each composed proxy is the proxy of a stack
      // deployed with ITS table and secret, and every call it makes is checked against that role.
      const iam = currentTemplateIam();
      const credentials = iam
        ? iam.deployRole(
            'proxy',
            {
              tableName: full.REGISTRY_TABLE_NAME ?? TABLE,
              secretArn: secretArnFor(full.CNAME_API_KEY_SECRET_ID ?? SECRET_ID),
            },
            `local-proxy-${++proxies}`,
          )
        : PRINCIPAL_CREDENTIALS.proxy;
      const local = { region: LOCAL_REGION, credentials };
      return composeProxy({
        env: full,
        handlerDir: dir,
        dynamodb: { ...local, endpoint: full.AWS_ENDPOINT_URL_DYNAMODB },
        secretsManager: { ...local, endpoint: full.AWS_ENDPOINT_URL_SECRETS_MANAGER },
        ...(options.write ? { write: options.write } : {}),
        now: clock.now,
      });
    },
    client(door, env, options) {
      return doorClient(door, harness.proxyWith(env, options));
    },
    async putEntry(pem, kind, status = 'active') {
      const cert = inspectCertificate(pem);
      await dynamo.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: itemFromEntry(entryForCertificate(cert, kind, status)),
        }),
      );
    },
    async hangingEndpoint() {
      const sockets = new Set<Socket>();
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      const port = await listen(server);
      hanging.push({ server, sockets });
      return `http://127.0.0.1:${port}`;
    },
    getItemCalls: () => registry.calls.get('GetItem') ?? 0,
    clock,
    async close() {
      for (const h of hanging) {
        for (const s of h.sockets) s.destroy();
        await close(h.server);
      }
      await Promise.all([registry.close(), secrets.close(), upstream.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** A port nothing listens on. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return `http://127.0.0.1:${port}`;
}
