/**
 * The AWS clients preflight reads with. Credentials come from the SDK's standard chain (environment,
 * `AWS_PROFILE` or `--profile`, SSO, instance roles); the region is always explicit: the stack's region
 * (the certificate's), us-east-1 for the CloudFront certificate, and a secret's or key's own region.
 * Every call made through these clients is a read (`Describe*`, `Get*`, `List*`).
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';

export interface PreflightClients {
  sts(region: string): STSClient;
  acm(region: string): ACMClient;
  apiGateway(region: string): APIGatewayClient;
  cloudFormation(region: string): CloudFormationClient;
  kms(region: string): KMSClient;
  lambda(region: string): LambdaClient;
  /** Route 53 is global (its endpoint lives in us-east-1). */
  route53(): Route53Client;
  secretsManager(region: string): SecretsManagerClient;
  /** Closes every client made. */
  destroy(): void;
}

interface Destroyable {
  destroy(): void;
}

export function createPreflightClients(options: { readonly profile?: string } = {}): PreflightClients {
  const made = new Map<string, Destroyable>();
  const base = options.profile ? { profile: options.profile } : {};
  function client<T extends Destroyable>(service: string, region: string, make: () => T): T {
    const key = `${service} ${region}`;
    let found = made.get(key) as T | undefined;
    if (!found) made.set(key, (found = make()));
    return found;
  }
  return {
    sts: (region) => client('sts', region, () => new STSClient({ ...base, region })),
    acm: (region) => client('acm', region, () => new ACMClient({ ...base, region })),
    apiGateway: (region) => client('apigateway', region, () => new APIGatewayClient({ ...base, region })),
    cloudFormation: (region) =>
      client('cloudformation', region, () => new CloudFormationClient({ ...base, region })),
    kms: (region) => client('kms', region, () => new KMSClient({ ...base, region })),
    lambda: (region) => client('lambda', region, () => new LambdaClient({ ...base, region })),
    route53: () => client('route53', 'us-east-1', () => new Route53Client({ ...base, region: 'us-east-1' })),
    secretsManager: (region) =>
      client('secretsmanager', region, () => new SecretsManagerClient({ ...base, region })),
    destroy: () => {
      for (const c of made.values()) c.destroy();
      made.clear();
    },
  };
}
