/**
 * The proxy's composition root: configuration, CA bundle, SDK clients, caches, the keep-alive forwarder
 * and telemetry, wired once per container from an environment given as an argument. The Lambda entry
 * (`index.ts`) passes `process.env`; the test harness and the local edge pass their own environment and
 * client settings, so nothing has to mutate `process.env` or re-import a module to get a second proxy.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { ALBEvent, ALBResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { CaBundle } from '../../shared/certificate';
import { createAlbDoor } from './alb';
import { apiGateway } from './api-gateway';
import { loadConfig } from './config';
import { createProxy, type Proxy } from './core';
import { createForwarder } from './forward';
import { createRegistryReader } from './registry';
import { createSecretProvider } from './secret';
import { createObserver, telemetrySettings } from './telemetry';

export interface ProxyRuntime {
  /** The environment variables of docs/reference.md#proxy-environment (`process.env` in the Lambda). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory that a relative CA_BUNDLE_FILE resolves against (the handler's own). */
  readonly handlerDir: string;
  /**
   * Settings laid over the DynamoDB client's (endpoint, region, credentials of a local stand-in).
   * @default - none: the SDK's standard settings (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, credentials chain)
   */
  readonly dynamodb?: DynamoDBClientConfig;
  /** @default - none: the SDK's standard settings (AWS_ENDPOINT_URL_SECRETS_MANAGER, …) */
  readonly secretsManager?: SecretsManagerClientConfig;
  /** Extra CA certificates (PEM) for the upstream's TLS certificate. @default - Node's public CAs */
  readonly upstreamCa?: string;
  /** Where the per-request log line goes. @default - process.stdout */
  readonly write?: (line: string) => void;
  /**
   * The clock of the caches' lifetimes, the idle-connection ageing and the latency figures (tests move
   * it forward instead of sleeping). @default Date.now
   */
  readonly now?: () => number;
}

export interface ComposedProxy {
  readonly proxy: Proxy;
  /** The REST API (payload 1.0) proxy integration handler. */
  readonly apiGatewayHandler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  /** The ALB Lambda target handler (multi-value headers on, mutual TLS passthrough). */
  readonly albHandler: (event: ALBEvent) => Promise<ALBResult>;
}

/** @throws ConfigError naming the variable and the fix; an error when the CA bundle cannot be read */
export function composeProxy(runtime: ProxyRuntime): ComposedProxy {
  const config = loadConfig(runtime.env, runtime.handlerDir);
  const now = runtime.now ?? Date.now;
  const bundle = CaBundle.fromPem(readFileSync(config.caBundleFile, 'utf8'));
  // One attempt more than none, each bounded: a dependency that does not answer in time fails closed.
  const sdkOptions = {
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: config.dependencyTimeoutMs,
      requestTimeout: config.dependencyTimeoutMs,
    },
  };
  const proxy = createProxy({
    config,
    bundle,
    registry: createRegistryReader(
      new DynamoDBClient({ ...sdkOptions, ...runtime.dynamodb }),
      config.registryTableName,
      config.registryCacheTtlMs,
      config.dependencyTimeoutMs,
      now,
    ),
    secret: createSecretProvider(
      new SecretsManagerClient({ ...sdkOptions, ...runtime.secretsManager }),
      config.secretId,
      config.secretCacheTtlMs,
      config.dependencyTimeoutMs,
      now,
    ),
    forward: createForwarder(config.forwardingTarget, config.upstreamTimeoutMs, {
      now,
      ...(runtime.upstreamCa ? { trustedCa: runtime.upstreamCa } : {}),
    }),
    // One JSON line per request: the log record with its EMF metrics (see telemetry.ts).
    observe: createObserver(telemetrySettings(runtime.env), runtime.write),
    now,
  });
  const alb = createAlbDoor(config.albClientCertHeader);
  return {
    proxy,
    apiGatewayHandler: (event) => proxy(apiGateway, event),
    albHandler: (event) => proxy(alb, event),
  };
}
