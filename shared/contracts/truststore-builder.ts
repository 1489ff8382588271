/**
 * The truststore builder Lambda's boundary with the stack (lib/) and its alarms: environment variable
 * names, metric names, the object keys and the custom resource actions. Written once.
 */

/** Environment variable names, by setting (all required). */
export const BUILDER_ENV = {
  registryTableName: 'REGISTRY_TABLE_NAME',
  bucket: 'TRUSTSTORE_BUCKET',
  key: 'TRUSTSTORE_KEY',
  /** The publication record: which truststore version is the current one (see TRUSTSTORE_STATE_KEY). */
  stateKey: 'TRUSTSTORE_STATE_KEY',
  /** The API Gateway custom domain, `mtls.<domainName>`. */
  domainName: 'DOMAIN_NAME',
  /** PEM file of the trusted client CAs; relative paths resolve against the handler's directory. */
  caBundleFile: 'CA_BUNDLE_FILE',
} as const;

/** Powertools' service name of the builder's log lines and metrics (namespace: METRICS_NAMESPACE). */
export const BUILDER_SERVICE_NAME = 'truststore-builder';

export enum BuilderMetric {
  /** A build refused by the truststore checks, or a build that threw. Alarmed. */
  Failures = 'TruststoreBuildFailures',
  /** Truststore check warnings and API Gateway's domain status messages / truststoreWarnings. Alarmed. */
  Warnings = 'TruststoreWarnings',
  /** A new truststore version was written. */
  Published = 'TruststorePublished',
  /** Registry entries left out of the truststore because of a fault of theirs (not expiry). Alarmed. */
  Exclusions = 'TruststoreExclusions',
}

/**
 * How long the registry's stream batches changes before a build (the event source's maximum batching
 * window): a burst of CLI changes becomes one build. The CLI's hints quote it.
 */
export const STREAM_BATCHING_WINDOW_SECONDS = 5;

/** Object key of the truststore in its bucket. */
export const TRUSTSTORE_KEY = 'truststore.pem';

/**
 * Object key of the publication record in the truststore bucket: a small JSON object naming the current
 * truststore version, replaced only by conditional writes (compare-and-set), so concurrent builds agree
 * on which version is the newest.
 */
export const TRUSTSTORE_STATE_KEY = 'truststore-state.json';

/** `ResourceProperties.Action` of the inspection custom resource (reads the domain back after deploy). */
export const INSPECT_ACTION = 'inspect-domain';
