/**
 * A bucket that only AWS log delivery writes to (S3 server access logs, ELB access and connection logs,
 * VPC flow logs): private, TLS only, SSE-S3 (the only encryption those deliveries support), owned by
 * this account, expiring after a year, and kept when the stack goes (it is evidence of who connected).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * @param whyNoAccessLogs the AwsSolutions-S1 acknowledgement: why this sink has no access logs of its own
 */
export function logSinkBucket(scope: Construct, id: string, whyNoAccessLogs: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    // S3 server access log delivery and ELB access/connection logs support SSE-S3 only.
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ expiration: Duration.days(365) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: whyNoAccessLogs });
  return bucket;
}
