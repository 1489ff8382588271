/**
 * The proxy Lambda's entry point (CONTRACT 2): configuration, clients and the keep-alive agent are
 * created once per container; `handler` maps each event through the core.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { CaBundle } from '../shared/certificate';
import { loadConfig } from './config';
import { createProxy, type RequestRecord } from './core';
import { createForwarder } from './forward';
import { createRegistryReader } from './registry';
import { createSecretProvider } from './secret';

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'customer-edge-proxy' });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CustomerEdge',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'customer-edge-proxy',
});

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

function observe(record: RequestRecord): void {
  const level = record.outcome === 'error' || record.outcome === 'bad_gateway' ? 'error' : 'info';
  logger[level]('request', { ...record });
  metrics.addDimension('Outcome', record.outcome);
  metrics.addMetric('Requests', MetricUnit.Count, 1);
  if (record.caVerified)
    metrics.addMetric(
      `Forwarded${record.caVerified === 'SUCCESS' ? 'CaVerified' : 'SelfSigned'}`,
      MetricUnit.Count,
      1,
    );
  metrics.publishStoredMetrics();
}

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
  observe,
});

export function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  return proxy(event);
}
