/** The truststore builder's names shared with the stack (lib/): metrics (namespace `CustomerEdge`), key, actions. */
export const BUILDER_SERVICE_NAME = 'truststore-builder';

export enum BuilderMetric {
  /** A build refused by the truststore checks, or a build that threw. Alarmed. */
  Failures = 'TruststoreBuildFailures',
  /** Truststore check warnings and API Gateway's domain status messages / truststoreWarnings. Alarmed. */
  Warnings = 'TruststoreWarnings',
  /** A new truststore version was written. */
  Published = 'TruststorePublished',
}

/** Object key of the truststore in its bucket. */
export const TRUSTSTORE_KEY = 'truststore.pem';

/** `ResourceProperties.Action` of the inspection custom resource (reads the domain back after deploy). */
export const INSPECT_ACTION = 'inspect-domain';
