/**
 * The local edge's (`npm start`) boundary with operators and the CLI: its defaults, written once.
 * local/edge/ runs with them; the CLI's hints name them.
 */
export const LOCAL_EDGE_DEFAULTS = {
  /** HTTPS port on 127.0.0.1. */
  port: 8443,
  /** The embedded registry's port on 127.0.0.1. */
  registryPort: 8000,
  tableName: 'customer-edge-registry',
  /** How often the truststore is rebuilt from the registry (`--refresh-ms`). */
  refreshIntervalMs: 2000,
} as const;
