/**
 * The deployed stack's boundary with operators and their tools: its name and the outputs the CLI and
 * scripts read. Written once; bin/, lib/ and cli/ import it. docs/reference.md describes it.
 */

/** The stack's name (`cdk deploy CustomerEdge`, `edge-certs --stack`). */
export const STACK_NAME = 'CustomerEdge';

/** Output names, by meaning. */
export const STACK_OUTPUTS = {
  /** `https://mtls.<domainName>`. */
  mtlsEndpoint: 'MtlsEndpoint',
  /** The certificate registry (the CLI's default table). */
  registryTableName: 'RegistryTableName',
  /** API Gateway front door only: the truststore bucket (the ALB front door has no truststore). */
  truststoreBucketName: 'TruststoreBucketName',
  cnameApiKeySecretArn: 'CnameApiKeySecretArn',
  /** Target of the DNS record of `mtls.<domainName>`. */
  regionalDomainName: 'RegionalDomainName',
  /** With `customDomainCertificateArn`: the CloudFront distribution's domain name. */
  customDomainEdge: 'CustomDomainEdge',
  /** ALB front door only: the bucket of the load balancer's access, connection and VPC flow logs. */
  loadBalancerLogsBucketName: 'LoadBalancerLogsBucketName',
  /** With a created secret: the command that fills it. */
  fillCnameApiKeySecret: 'FillCnameApiKeySecret',
  /** The customer-managed policy to attach to operators running `edge-certs`. */
  operatorPolicyArn: 'OperatorPolicyArn',
} as const;
