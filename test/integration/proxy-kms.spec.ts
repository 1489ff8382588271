/**
 * Risk 7: an existing key secret (`cnameApiKeySecretArn`) encrypted with a customer-managed KMS key.
 * The proxy runs against the Secrets Manager stand-in, which (like Secrets Manager) decrypts with the
 * key on the caller's behalf only when the caller's policies allow kms:Decrypt on it through Secrets
 * Manager; the proxy role's policies come from the template synthesized with and without
 * `cnameApiKeySecretKmsKeyArn`.
 */
import { apiGatewayEvent } from '../../stand-ins/api-gateway';
import { secretArnFor } from '../../stand-ins/secrets-manager';
import { SECRET_ID, startHarness, type Harness } from '../support/proxy-harness';
import { useTemplateIam } from '../support/iam';

const SECRET_ARN = secretArnFor(SECRET_ID);
const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('with cnameApiKeySecretKmsKeyArn: the proxy reads the key', () => {
  useTemplateIam({
    context: { cnameApiKeySecretArn: SECRET_ARN, cnameApiKeySecretKmsKeyArn: KEY_ARN },
    deployment: { tableName: 'customer-edge-registry', secretArn: SECRET_ARN },
  });
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ secretKmsKeyArn: KEY_ARN });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('forwards with the CNAME API key (kms:Decrypt through Secrets Manager is granted)', async () => {
    const result = await h.proxyWith().apiGatewayHandler(apiGatewayEvent(h.pki.leaf.pem));
    expect(result.statusCode).toBe(200);
    expect(h.upstream.received.at(-1)?.headers['cname-api-key']).toEqual(['test-cname-api-key-0123456789']);
  });
});

describe('without it (the fault before this key existed): the proxy can never read the secret', () => {
  const iam = useTemplateIam({
    context: { cnameApiKeySecretArn: SECRET_ARN },
    deployment: { tableName: 'customer-edge-registry', secretArn: SECRET_ARN },
  });
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ secretKmsKeyArn: KEY_ARN });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 and nothing is forwarded; the denied call is kms:Decrypt on the key', async () => {
    const result = await h.proxyWith().apiGatewayHandler(apiGatewayEvent(h.pki.leaf.pem));
    expect(result.statusCode).toBe(503);
    expect(h.upstream.received).toHaveLength(0);
    expect(iam.gate.denials.map((d) => `${d.action} ${d.resource}`)).toContain(`kms:Decrypt ${KEY_ARN}`);
    iam.gate.denials.length = 0;
  });
});
