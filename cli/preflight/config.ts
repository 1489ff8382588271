/**
 * The configuration preflight checks: exactly what the CDK app validates (`parseConfig` of lib/config.ts),
 * so the context an operator checks is the context they deploy with.
 */
import { parseConfig, type EdgeConfig, type RawContext } from '../../lib/config';

export type PreflightConfig = EdgeConfig;

/** @throws ConfigError, one line naming the key and the fix (as `cdk synth` would) */
export function preflightConfig(raw: RawContext): PreflightConfig {
  return parseConfig(raw);
}
