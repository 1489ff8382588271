/**
 * The configuration preflight checks: exactly what the CDK app validates (`parseConfig` of lib/config.ts),
 * plus the context keys of issue 11 that the stack reads (the KMS key of an existing secret, the
 * ownership verification certificate, who manages API Gateway's CloudWatch Logs role).
 */
import { ConfigError, parseConfig, type EdgeConfig, type RawContext } from '../../lib/config';

export type CloudWatchRoleMode = 'create' | 'existing';

export interface PreflightConfig extends EdgeConfig {
  /** The customer-managed KMS key of an existing `cnameApiKeySecretArn`. @default - the AWS managed key */
  readonly cnameApiKeySecretKmsKeyArn?: string;
  /** An ACM-issued certificate proving ownership of an imported or private-CA mTLS certificate. */
  readonly ownershipVerificationCertificateArn?: string;
  /** `create`: the stack sets API Gateway's account CloudWatch Logs role; `existing`: the account does. */
  readonly apiGatewayCloudWatchRole: CloudWatchRoleMode;
}

function optional(raw: RawContext, key: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new ConfigError(`Context key "${key}": got ${JSON.stringify(value)}; expected a string.`);
  }
  return value.trim();
}

/** @throws ConfigError, one line naming the key and the fix (as `cdk synth` would) */
export function preflightConfig(raw: RawContext): PreflightConfig {
  const config = parseConfig(raw) as EdgeConfig & Partial<PreflightConfig>;
  const mode = config.apiGatewayCloudWatchRole ?? optional(raw, 'apiGatewayCloudWatchRole') ?? 'create';
  if (mode !== 'create' && mode !== 'existing') {
    throw new ConfigError(
      `Context key "apiGatewayCloudWatchRole": got "${mode}"; expected "create" or "existing". Fix: -c apiGatewayCloudWatchRole=existing`,
    );
  }
  return {
    ...config,
    cnameApiKeySecretKmsKeyArn:
      config.cnameApiKeySecretKmsKeyArn ?? optional(raw, 'cnameApiKeySecretKmsKeyArn'),
    ownershipVerificationCertificateArn:
      config.ownershipVerificationCertificateArn ?? optional(raw, 'ownershipVerificationCertificateArn'),
    apiGatewayCloudWatchRole: mode,
  };
}
