/**
 * Names the handlers' telemetry shares with the stack's alarms: the CloudWatch metric namespace and
 * Powertools' environment variables (the proxy writes Powertools-compatible lines itself).
 */

/** CloudWatch namespace of every metric the edge emits. */
export const METRICS_NAMESPACE = 'CustomerEdge';

/** Powertools for AWS Lambda's environment variables. */
export const POWERTOOLS_ENV = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  metricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
} as const;
