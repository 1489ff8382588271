/**
 * The proxy Lambda's entry point (CONTRACT 2): configuration, clients and the keep-alive agent are
 * created once per container; `handler` maps each event through the core.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { CaBundle } from '../../shared/certificate';
import { loadConfig } from './config';
import { createProxy } from './core';
import { createForwarder } from './forward';
import { createRegistryReader } from './registry';
import { createSecretProvider } from './secret';
import { createObserver, telemetrySettings } from './telemetry';

const config = loadConfig(process.env, __dirname);
const bundle = CaBundle.fromPem(readFileSync(config.caBundleFile, 'utf8'));

// SDK clients: endpoints, region and credentials from the SDK's standard settings
// (AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SECRETS_MANAGER point them at local servers).
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
    new DynamoDBClient(sdkOptions),
    config.registryTableName,
    config.registryCacheTtlMs,
    config.dependencyTimeoutMs,
  ),
  secret: createSecretProvider(
    new SecretsManagerClient(sdkOptions),
    config.secretId,
    config.secretCacheTtlMs,
    config.dependencyTimeoutMs,
  ),
  forward: createForwarder(config.forwardingTarget, config.upstreamTimeoutMs),
  // One JSON line per request: the log record with its EMF metrics (see telemetry.ts).
  observe: createObserver(telemetrySettings(process.env)),
});

export function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  return proxy(event);
}
