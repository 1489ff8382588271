/**
 * The template against rules only AWS applies at deploy or run time: CloudFormation's resource schemas
 * (for the stack with and without every optional context key), the alarm topic's policies as CloudWatch
 * meets them and the operators' policy, both evaluated with a real IAM policy evaluator
 * (@cloud-copilot/iam-simulate), and the tie between the domain and its truststore version.
 * Templates are synthesized without bundling (test/support/stack-template.ts).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { SCHEMA_SUPPLEMENTS, schemaSupplementsStillNeeded, schemaViolations } from '../support/cfn-schema';
import { TemplateResolver, operatorPolicyId } from '../support/iam';
import { stackTemplate, synthesize, type CfnTemplate } from '../support/stack-template';

/** A CloudFormation resource construct, as found in the tree (escape hatch). */
interface ApiGatewayDomainLike {
  readonly cfnResourceType?: string;
  addPropertyOverride(path: string, value: unknown): void;
}

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:auth0-cname-api-key-AbCdEf`;

/** Every optional context key at once (STAND_IN_CONTEXT holds the required ones). */
const EVERY_OPTIONAL_KEY = {
  hostedZoneId: 'Z0123456789ABC',
  hostedZoneName: 'example.com',
  cnameApiKeySecretArn: SECRET,
  caSignedPolicy: 'registered',
  clientIpHeader: 'true-client-ip',
  allowedPaths: '/oauth/token,/userinfo',
  alarmEmail: 'ops@example.com',
  customDomainCertificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/11111111-1111-1111-1111-111111111111`,
  cnameApiKeySecretKmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  ownershipVerificationCertificateArn: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/22222222-2222-2222-2222-222222222222`,
  apiGatewayCloudWatchRole: 'existing',
};

/** The load balancer front door with its keys (region us-east-1, as STAND_IN_CONTEXT). */
const ALB_FRONT_DOOR = {
  frontDoor: 'alb',
  albWebAclArn: `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/edge/11111111-2222-3333-4444-555555555555`,
  albDeletionProtection: 'false',
  hostedZoneId: 'Z0123456789ABC',
  hostedZoneName: 'example.com',
  allowedPaths: '/oauth/token,/userinfo',
  alarmEmail: 'ops@example.com',
};

function only(template: CfnTemplate, type: string): { id: string; properties: Record<string, unknown> } {
  const found = Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  expect(found).toHaveLength(1);
  return { id: found[0]![0], properties: found[0]![1].Properties ?? {} };
}

describe('CloudFormation resource schemas', () => {
  it.each([
    ['without optional context keys', {}],
    ['with every optional context key', EVERY_OPTIONAL_KEY],
    ['with frontDoor=alb', { frontDoor: 'alb' }],
    ['with frontDoor=alb and its keys', ALB_FRONT_DOOR],
  ])('the template validates %s', async (_name, context) => {
    expect(schemaViolations(await stackTemplate(context))).toEqual([]);
  });

  it('each schema supplement is for a property the schema data still lacks', () => {
    expect(schemaSupplementsStillNeeded()).toEqual(
      Object.entries(SCHEMA_SUPPLEMENTS).flatMap(([type, p]) => Object.keys(p).map((n) => `${type}.${n}`)),
    );
  });

  it('the check is live: a template with a bad enumeration, pattern, missing required and unknown property fails on each', async () => {
    const broken = JSON.parse(JSON.stringify(await stackTemplate())) as CfnTemplate;
    const first = (type: string): Record<string, unknown> =>
      Object.values(broken.Resources).find((r) => r.Type === type)!.Properties!;
    first('AWS::Logs::LogGroup').RetentionInDays = 42;
    first('AWS::Lambda::Function').Handler = 'index handler';
    delete first('AWS::DynamoDB::Table').KeySchema;
    first('AWS::SNS::Topic').DeliveryPolicyy = {};

    const problems = schemaViolations(broken).join('\n');

    expect(problems).toMatch(
      /AWS::Logs::LogGroup\) \/RetentionInDays: must be equal to one of the allowed values/,
    );
    expect(problems).toMatch(/AWS::Lambda::Function\) \/Handler: must match pattern/);
    expect(problems).toMatch(/AWS::DynamoDB::Table\) \/: must have required property 'KeySchema'/);
    expect(problems).toMatch(/AWS::SNS::Topic\) \/: must NOT have additional properties .*DeliveryPolicyy/);
  });
});

describe('risks 7 and 8: an existing secret with a customer-managed key, an imported mTLS certificate', () => {
  it('the domain gets OwnershipVerificationCertificateArn, the proxy kms:Decrypt on exactly that key through Secrets Manager', async () => {
    const template = await stackTemplate(EVERY_OPTIONAL_KEY);
    expect(only(template, 'AWS::ApiGateway::DomainName').properties.OwnershipVerificationCertificateArn).toBe(
      EVERY_OPTIONAL_KEY.ownershipVerificationCertificateArn,
    );
    const statements = (t: CfnTemplate): string =>
      JSON.stringify(
        Object.values(t.Resources)
          .filter((r) => r.Type === 'AWS::IAM::Policy')
          .map((r) => r.Properties?.PolicyDocument),
      );
    expect(statements(template)).toContain(
      JSON.stringify({
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
        Effect: 'Allow',
        Resource: EVERY_OPTIONAL_KEY.cnameApiKeySecretKmsKeyArn,
      }),
    );
    expect(statements(await stackTemplate())).not.toContain('kms:Decrypt');
  });
});

describe('fault 4: alarm notifications reach the topic', () => {
  const alarmArn = (account: string, name: string): string =>
    `arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`;

  async function cloudWatchMay(
    action: string,
    resource: string,
    resourcePolicy: unknown,
    source: { account: string; alarm: string },
  ): Promise<string> {
    const result = await runSimulation(
      {
        request: {
          principal: 'cloudwatch.amazonaws.com',
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: {
            'aws:SourceAccount': source.account,
            'aws:SourceArn': alarmArn(source.account, source.alarm),
          },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy,
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  it("CloudWatch may publish to the topic and use its key for this stack's alarms only (topic policy and key policy, IAM evaluator)", async () => {
    const template = await stackTemplate();
    const resolver = new TemplateResolver(template, { tableName: 'registry' });
    const topic = only(template, 'AWS::SNS::Topic');
    const topicArn = resolver.resolve({ Ref: topic.id }) as string;
    const topicPolicy = resolver.resolve(only(template, 'AWS::SNS::TopicPolicy').properties.PolicyDocument);
    const key = only(template, 'AWS::KMS::Key');
    const keyArn = resolver.resolve({ 'Fn::GetAtt': [key.id, 'Arn'] }) as string;
    const keyPolicy = resolver.resolve(key.properties.KeyPolicy);
    const ours = { account: ACCOUNT, alarm: 'CustomerEdge-AlarmsProxyErrors1A2B3C-XYZ' };

    expect(await cloudWatchMay('sns:Publish', topicArn, topicPolicy, ours)).toBe('Allowed');
    expect(await cloudWatchMay('kms:GenerateDataKey', keyArn, keyPolicy, ours)).toBe('Allowed');
    expect(await cloudWatchMay('kms:Decrypt', keyArn, keyPolicy, ours)).toBe('Allowed');
    // Scoped: another account's alarms, or another stack's, may not (confused deputy).
    for (const other of [
      { account: '222222222222', alarm: 'CustomerEdge-AlarmsProxyErrors1A2B3C-XYZ' },
      { account: ACCOUNT, alarm: 'SomeOtherStack-Alarm-XYZ' },
    ]) {
      expect(await cloudWatchMay('sns:Publish', topicArn, topicPolicy, other)).not.toBe('Allowed');
      expect(await cloudWatchMay('kms:GenerateDataKey', keyArn, keyPolicy, other)).not.toBe('Allowed');
    }
  });
});

describe('risk 6: the domain never gets a stale pinned truststore version from CloudFormation', () => {
  it("the domain pins the build's VersionId, and any change of another domain property re-runs the build (and the inspection after the domain)", async () => {
    const template = await stackTemplate();
    const build = only(template, 'Custom::Truststore');
    const inspection = only(template, 'Custom::TruststoreInspection');
    const domain = only(template, 'AWS::ApiGateway::DomainName');
    expect(domain.properties.MutualTlsAuthentication).toMatchObject({
      TruststoreVersion: { 'Fn::GetAtt': [build.id, 'VersionId'] },
    });
    const digest = build.properties.DomainDigest as string;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(inspection.properties.DomainDigest).toBe(digest);

    // A property CloudFormation would update on the domain (as a CDK upgrade or a policy change would
    // emit it): the build's properties change with it, so CloudFormation re-runs the build first.
    const changed = await synthesize({}, (stack) => {
      const cfnDomain = stack.node
        .findAll()
        .find(
          (c) => (c as unknown as ApiGatewayDomainLike).cfnResourceType === 'AWS::ApiGateway::DomainName',
        ) as ApiGatewayDomainLike | undefined;
      cfnDomain!.addPropertyOverride('SecurityPolicy', 'SecurityPolicy_TLS13_1_2_2021_06');
    });
    expect(only(changed, 'Custom::Truststore').properties.DomainDigest).not.toBe(digest);
    const same = await synthesize({});
    expect(only(same, 'Custom::Truststore').properties.DomainDigest).toBe(digest);
  });
});

describe("the operators' policy (OperatorPolicyArn output)", () => {
  it("allows exactly what edge-certs does: registry items, this stack's outputs and reading the current truststore (IAM evaluator)", async () => {
    const template = await stackTemplate();
    const resolver = new TemplateResolver(template, { tableName: 'registry' });
    const policy = resolver.resolve(
      template.Resources[operatorPolicyId(template)]!.Properties!.PolicyDocument,
    );
    const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/registry`;
    const stack = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/CustomerEdge/0c1d2e3f-0000-0000-0000-000000000000`;
    const may = async (action: string, resource: string): Promise<string> => {
      const result = await runSimulation(
        {
          request: {
            principal: `arn:aws:iam::${ACCOUNT}:user/operator`,
            action,
            resource: { resource, accountId: ACCOUNT },
            contextVariables: {},
          },
          identityPolicies: [{ name: 'operators', policy }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      return result.overallResult;
    };
    for (const action of ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Scan']) {
      expect(await may(`dynamodb:${action}`, table)).toBe('Allowed');
    }
    expect(await may('cloudformation:DescribeStacks', stack)).toBe('Allowed');
    // register, list and show check entries against the published truststore: read it, nothing else.
    expect(await may('s3:GetObject', 'arn:aws:s3:::truststore/truststore.pem')).toBe('Allowed');
    expect(await may('s3:PutObject', 'arn:aws:s3:::truststore/truststore.pem')).not.toBe('Allowed');
    expect(await may('s3:GetObject', 'arn:aws:s3:::truststore/truststore-state.json')).not.toBe('Allowed');
    expect(await may('dynamodb:DeleteTable', table)).not.toBe('Allowed');
    expect(await may('dynamodb:Scan', `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/other`)).not.toBe(
      'Allowed',
    );
    expect(
      await may('cloudformation:DescribeStacks', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Other/1`),
    ).not.toBe('Allowed');
  });
});
