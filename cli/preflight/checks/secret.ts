/**
 * An existing secret for Auth0's CNAME API key (`cnameApiKeySecretArn`): it must be in the stack's region
 * (the proxy's SDK client asks its own region), hold a key in the format the proxy reads, and be
 * encrypted with a key the proxy will be allowed to use. Reading the value (never printed) proves that
 * the operator can decrypt it; the KMS key must also match `cnameApiKeySecretKmsKeyArn`, which is what
 * the stack grants the proxy `kms:Decrypt` on.
 */
import { DescribeKeyCommand, type KeyMetadata } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SecretUnusable, apiKeyFromSecretString, isJsonSecretString } from '../../../shared/cname-api-key';
import { arnRegion, awsFailure, errorName, fail, firstLine, pass, type PreflightCheck } from '../check';
import type { PreflightConfig } from '../config';

function notGiven(config: PreflightConfig): string | undefined {
  return config.cnameApiKeySecretArn
    ? undefined
    : 'none given (the stack creates an empty secret: fill it after the deploy, docs/deploy.md#fill-the-secret)';
}

function putValueFix(arn: string, region: string): string {
  return `aws secretsmanager put-secret-value --region ${region} --secret-id ${arn} --secret-string "$CNAME_API_KEY"`;
}

export const cnameApiKeySecret: PreflightCheck = {
  title: 'CNAME API key secret',
  notApplicable: notGiven,
  async run(env) {
    const { config } = env;
    const arn = config.cnameApiKeySecretArn ?? '';
    const region = arnRegion(arn) ?? config.region;
    if (region !== config.region) {
      return fail(
        `${arn} is in ${region}, the proxy runs in ${config.region} and reads secrets of its own region`,
        `replicate it (aws secretsmanager replicate-secret-to-regions --region ${region} --secret-id ${arn} --add-replica-regions Region=${config.region}) and pass the replica's ARN with -c cnameApiKeySecretArn=`,
      );
    }
    let secretString: string | undefined;
    let binary = false;
    try {
      const answer = await env.clients
        .secretsManager(region)
        .send(new GetSecretValueCommand({ SecretId: arn }));
      secretString = answer.SecretString;
      binary = answer.SecretBinary !== undefined;
    } catch (error) {
      const name = errorName(error);
      if (name === 'ResourceNotFoundException') {
        return /staging label|secret value/i.test(firstLine(error))
          ? fail(`${arn} holds no value yet`, putValueFix(arn, region))
          : fail(
              `${arn} does not exist in ${env.account}/${region}`,
              'pass the complete ARN of the secret (aws secretsmanager describe-secret --secret-id <name> --query ARN)',
            );
      }
      if (name === 'DecryptionFailure') {
        return fail(
          `${arn} cannot be decrypted by you (${firstLine(error)})`,
          `allow kms:Decrypt on the secret's KMS key to the identity running preflight, and check the key is enabled`,
        );
      }
      if (name === 'InvalidRequestException' && /deletion/i.test(firstLine(error))) {
        return fail(
          `${arn} is scheduled for deletion`,
          `aws secretsmanager restore-secret --region ${region} --secret-id ${arn}`,
        );
      }
      return awsFailure(arn, 'secretsmanager:GetSecretValue', error, 'retry');
    }
    if (secretString === undefined) {
      return fail(
        `${arn} holds ${binary ? 'a binary value' : 'no string value'}; the proxy reads SecretString`,
        putValueFix(arn, region),
      );
    }
    try {
      apiKeyFromSecretString(secretString);
    } catch (error) {
      if (!(error instanceof SecretUnusable)) throw error;
      return fail(`${arn}: ${error.message}`, putValueFix(arn, region));
    }
    const json = isJsonSecretString(secretString);
    if (json && config.customDomainCertificateArn) {
      // CloudFormation resolves the whole SecretString into the CloudFront edge's origin header.
      return fail(
        `${arn} holds JSON; the CloudFront edge (customDomainCertificateArn) sends the whole SecretString as the key`,
        `store the bare key: ${putValueFix(arn, region)}`,
      );
    }
    return pass(
      `${arn} holds a usable API key (${json ? 'JSON cname_api_key' : 'plain text'}; value not shown)`,
    );
  },
};

export const cnameApiKeySecretKey: PreflightCheck = {
  title: 'CNAME API key secret encryption',
  notApplicable: notGiven,
  async run(env) {
    const { config } = env;
    const arn = config.cnameApiKeySecretArn ?? '';
    const region = arnRegion(arn) ?? config.region;
    const given = config.cnameApiKeySecretKmsKeyArn;
    let keyId: string | undefined;
    try {
      ({ KmsKeyId: keyId } = await env.clients
        .secretsManager(region)
        .send(new DescribeSecretCommand({ SecretId: arn })));
    } catch (error) {
      return awsFailure(
        arn,
        'secretsmanager:DescribeSecret',
        error,
        'check the secret ARN (see the secret check)',
      );
    }
    let key: KeyMetadata | undefined;
    if (keyId) {
      try {
        ({ KeyMetadata: key } = await env.clients.kms(region).send(new DescribeKeyCommand({ KeyId: keyId })));
      } catch (error) {
        return awsFailure(`the secret's KMS key ${keyId}`, 'kms:DescribeKey', error, 'check the key exists');
      }
    }
    if (!key || key.KeyManager === 'AWS') {
      return given
        ? fail(
            `${arn} is encrypted with the AWS managed key aws/secretsmanager, not ${given}`,
            'drop -c cnameApiKeySecretKmsKeyArn (the AWS managed key needs no grant)',
          )
        : pass(`${arn} is encrypted with the AWS managed key aws/secretsmanager (no KMS grant needed)`);
    }
    const keyArn = key.Arn ?? keyId ?? '';
    if (key.KeyState !== 'Enabled') {
      const fix =
        key.KeyState === 'PendingDeletion'
          ? `aws kms cancel-key-deletion --region ${region} --key-id ${keyArn}, then aws kms enable-key --region ${region} --key-id ${keyArn}`
          : `aws kms enable-key --region ${region} --key-id ${keyArn}`;
      return fail(
        `the secret's key ${keyArn} is ${key.KeyState ?? 'not enabled'}: nobody can decrypt the secret`,
        fix,
      );
    }
    if (given !== keyArn) {
      return fail(
        given
          ? `${arn} is encrypted with ${keyArn}, but cnameApiKeySecretKmsKeyArn is ${given}: the proxy would get kms:Decrypt on the wrong key and answer 503`
          : `${arn} is encrypted with the customer-managed key ${keyArn}: without it in the context the proxy gets no kms:Decrypt and answers 503`,
        `-c cnameApiKeySecretKmsKeyArn=${keyArn}`,
      );
    }
    return pass(
      `${arn} is encrypted with ${keyArn}: Enabled, and the stack grants the proxy kms:Decrypt on it`,
    );
  },
};
