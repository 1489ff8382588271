/**
 * The truststore builder Lambda's entry point: configuration and clients once per container, the CA
 * bundle from the asset (`ca-bundle.pem` next to this file), Powertools logs and metrics.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { BuilderDeps } from './core';
import { createHandler, type BuilderEvent } from './handler';
import { BUILDER_ENV, BUILDER_SERVICE_NAME } from '../../shared/contracts/truststore-builder';
import { METRICS_NAMESPACE, POWERTOOLS_ENV } from '../../shared/contracts/telemetry';

function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const serviceName = process.env[POWERTOOLS_ENV.serviceName] ?? BUILDER_SERVICE_NAME;
const logger = new Logger({ serviceName });
const metrics = new Metrics({
  namespace: process.env[POWERTOOLS_ENV.metricsNamespace] ?? METRICS_NAMESPACE,
  serviceName,
});
const caBundleFile = required(BUILDER_ENV.caBundleFile);

const deps: BuilderDeps = {
  dynamodb: new DynamoDBClient({}),
  s3: new S3Client({}),
  apigateway: new APIGatewayClient({}),
  tableName: required(BUILDER_ENV.registryTableName),
  bucket: required(BUILDER_ENV.bucket),
  key: required(BUILDER_ENV.key),
  stateKey: required(BUILDER_ENV.stateKey),
  domainName: required(BUILDER_ENV.domainName),
  caBundlePem: readFileSync(
    isAbsolute(caBundleFile) ? caBundleFile : resolve(__dirname, caBundleFile),
    'utf8',
  ),
  log: {
    info: (message, data) => logger.info(message, data ?? {}),
    warn: (message, data) => logger.warn(message, data ?? {}),
    error: (message, data) => logger.error(message, data ?? {}),
  },
  metrics: { count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value) },
};

const run = createHandler(deps);

export async function handler(event: BuilderEvent): Promise<unknown> {
  try {
    return await run(event);
  } finally {
    metrics.publishStoredMetrics();
  }
}
