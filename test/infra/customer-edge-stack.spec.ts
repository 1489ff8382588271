/**
 * The CustomerEdge stack's security-relevant properties, asserted one by one, plus cdk-nag
 * (AwsSolutions) as a gate. Two configurations, each synthesized once (without bundling, see support.ts):
 * the minimal one (created secret, no DNS) and the full one (imported secret, hosted zone, email, policy).
 */
import { Validations } from 'aws-cdk-lib';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIGURATIONS, SECRET_ARN, synthesizeEdge, type SynthesizedEdge } from './support';

let minimal: SynthesizedEdge;
let full: SynthesizedEdge;
let t: Template;

beforeAll(async () => {
  minimal = await synthesizeEdge(CONFIGURATIONS.minimal);
  full = await synthesizeEdge(CONFIGURATIONS.full);
  t = minimal.template;
}, 120_000);

afterAll(() => {
  minimal?.cleanup();
  full?.cleanup();
});

function onlyResource(template: Template, type: string): { id: string; properties: Record<string, unknown> } {
  const resources = template.findResources(type);
  const ids = Object.keys(resources);
  expect(ids).toHaveLength(1);
  const id = ids[0]!;
  return { id, properties: (resources[id] as { Properties: Record<string, unknown> }).Properties };
}

function policyOf(template: Template, rolePrefix: string): unknown[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] },
  });
  const list = Object.values(policies);
  expect(list).toHaveLength(1);
  return (list[0] as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
    .Statement;
}

describe('stateful resources', () => {
  it('pins the logical IDs of the registry table and the truststore bucket', () => {
    expect(Object.keys(t.findResources('AWS::DynamoDB::Table'))).toEqual(['RegistryTable']);
    expect(t.toJSON().Resources.TruststoreBucket.Type).toBe('AWS::S3::Bucket');
  });

  it('registry table: thumbprint key, on-demand, PITR, KMS encryption, deletion protection, stream, TTL, retained', () => {
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'thumbprint', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'thumbprint', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled without SSEType = the AWS-managed KMS key (aws/dynamodb).
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    });
  });

  it('truststore bucket: versioned, public access blocked, encrypted, old versions expire, access-logged, retained', () => {
    const bucket = t.toJSON().Resources.TruststoreBucket;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: { LogFilePrefix: 'truststore/' },
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
    ]);
  });

  it('truststore bucket policy denies every request without TLS', () => {
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: 'TruststoreBucket' },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('mTLS API', () => {
  it('disables the execute-api endpoint, is Regional and relays every media type as binary', () => {
    t.hasResourceProperties('AWS::ApiGateway::RestApi', {
      DisableExecuteApiEndpoint: true,
      BinaryMediaTypes: ['*/*'],
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    expect(Object.keys(t.toJSON().Outputs).filter((o) => o.includes('ApiEndpoint'))).toEqual([]);
  });

  it('has resources for the allowed paths only, each method a Lambda proxy integration', () => {
    const paths = Object.values(t.findResources('AWS::ApiGateway::Resource')).map(
      (r) => (r as { Properties: { PathPart: string } }).Properties.PathPart,
    );
    expect(paths.sort()).toEqual(['oauth', 'par', 'token', 'userinfo']);
    const methods = Object.values(t.findResources('AWS::ApiGateway::Method')).map(
      (m) => (m as { Properties: { HttpMethod: string; Integration: { Type: string } } }).Properties,
    );
    expect(methods.map((m) => m.HttpMethod).sort()).toEqual(['GET', 'POST', 'POST', 'POST']);
    for (const method of methods) expect(method.Integration.Type).toBe('AWS_PROXY');
    t.resourceCountIs('AWS::ApiGateway::Method', 4);
  });

  it('exposes only the configured subset of paths', () => {
    const methods = Object.values(full.template.findResources('AWS::ApiGateway::Method')).map(
      (m) => (m as { Properties: { HttpMethod: string } }).Properties.HttpMethod,
    );
    expect(methods.sort()).toEqual(['GET', 'POST', 'POST']);
    expect(
      Object.values(full.template.findResources('AWS::ApiGateway::Resource')).map(
        (r) => (r as { Properties: { PathPart: string } }).Properties.PathPart,
      ),
    ).not.toContain('par');
  });

  it('stage: throttled, traced, JSON access logs with the client certificate and the request id', () => {
    const format = new Capture();
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
          HttpMethod: '*',
          ResourcePath: '/*',
        }),
      ]),
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: format },
    });
    const fields = JSON.parse(format.asString()) as Record<string, string>;
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      clientCertSubjectDN: '$context.identity.clientCert.subjectDN',
      clientCertIssuerDN: '$context.identity.clientCert.issuerDN',
      clientCertSerialNumber: '$context.identity.clientCert.serialNumber',
      status: '$context.status',
    });
  });

  it('custom domain: mtls.<domain>, Regional, TLS_1_2, truststore object pinned to the custom resource VersionId', () => {
    const domain = onlyResource(t, 'AWS::ApiGateway::DomainName');
    const truststoreResource = onlyResource(t, 'Custom::Truststore');
    expect(domain.properties).toEqual({
      DomainName: 'mtls.auth.example.com',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      RegionalCertificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
      SecurityPolicy: 'TLS_1_2',
      MutualTlsAuthentication: {
        TruststoreUri: { 'Fn::Join': ['', ['s3://', { Ref: 'TruststoreBucket' }, '/truststore.pem']] },
        TruststoreVersion: { 'Fn::GetAtt': [truststoreResource.id, 'VersionId'] },
      },
    });
    t.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      DomainName: { Ref: domain.id },
      RestApiId: { Ref: Match.stringLikeRegexp('^MtlsApi') },
    });
  });

  it('without a hosted zone: no DNS record, the RegionalDomainName output says where to point DNS', () => {
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    const domain = onlyResource(t, 'AWS::ApiGateway::DomainName');
    t.hasOutput('RegionalDomainName', { Value: { 'Fn::GetAtt': [domain.id, 'RegionalDomainName'] } });
  });

  it('with a hosted zone: an A alias record for mtls.<domain> to the Regional domain', () => {
    full.template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'mtls.auth.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABC',
      AliasTarget: Match.objectLike({ DNSName: { 'Fn::GetAtt': [Match.anyValue(), 'RegionalDomainName'] } }),
    });
  });
});

describe('proxy function', () => {
  it('Node.js 22+ on ARM64, 256 MB, timeout above the 25 s upstream deadline and below API Gateway 29 s', () => {
    const fn = t.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { FORWARDING_TARGET: Match.anyValue() } } },
    });
    const props = (Object.values(fn)[0] as { Properties: Record<string, unknown> }).Properties;
    expect(Object.keys(fn)).toHaveLength(1);
    expect(Number(String(props.Runtime).replace(/^nodejs(\d+)\.x$/, '$1'))).toBeGreaterThanOrEqual(22);
    expect(props).toMatchObject({
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 28,
      Handler: 'index.handler',
    });
  });

  it('environment per docs/reference.md#proxy-environment, the CA bundle named by CA_BUNDLE_FILE inside the asset', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          FORWARDING_TARGET: 'https://acme-cd-x.edge.tenants.eu.auth0.com',
          CNAME_API_KEY_SECRET_ID: { Ref: 'CnameApiKey' },
          REGISTRY_TABLE_NAME: { Ref: 'RegistryTable' },
          CA_BUNDLE_FILE: 'ca-bundle.pem',
          ALLOWED_PATHS: '/oauth/token,/oauth/par,/userinfo',
          CA_SIGNED_POLICY: 'any',
          CLIENT_IP_HEADER: 'x-forwarded-for',
          UPSTREAM_TIMEOUT_MS: '25000',
          REGISTRY_CACHE_TTL_SECONDS: '30',
          SECRET_CACHE_TTL_SECONDS: '300',
          POWERTOOLS_SERVICE_NAME: 'customer-edge-proxy',
          POWERTOOLS_METRICS_NAMESPACE: 'CustomerEdge',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('passes the optional context keys through to the environment', () => {
    full.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CNAME_API_KEY_SECRET_ID: SECRET_ARN,
          ALLOWED_PATHS: '/oauth/token,/userinfo',
          CA_SIGNED_POLICY: 'registered',
          CLIENT_IP_HEADER: 'true-client-ip',
        }),
      },
    });
  });

  it('IAM: exactly GetItem on the table, GetSecretValue on the secret, and its own log group', () => {
    expect(policyOf(t, 'ProxyRole')).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ProxyLogs/), 'Arn'] },
      },
      { Action: 'dynamodb:GetItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': ['RegistryTable', 'Arn'] } },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: 'CnameApiKey' } },
    ]);
    expect(policyOf(full.template, 'ProxyRole')).toContainEqual({
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: SECRET_ARN,
    });
  });

  it('no role but the account-level API Gateway logging role has a managed policy, and no statement anywhere has a wildcard action', () => {
    const withManaged = Object.entries(t.findResources('AWS::IAM::Role'))
      .filter(([, role]) => (role as { Properties: Record<string, unknown> }).Properties.ManagedPolicyArns)
      .map(([id]) => id);
    expect(withManaged).toEqual([expect.stringMatching(/^MtlsApiCloudWatchRole/)]);
    const actions = JSON.stringify(
      Object.values(t.findResources('AWS::IAM::Policy')).map(
        (p) => (p as { Properties: { PolicyDocument: unknown } }).Properties.PolicyDocument,
      ),
    ).match(/"[a-z0-9-]+:[A-Za-z*]*\*[A-Za-z*]*"/g);
    expect(actions).toBeNull();
  });
});

describe('fault 2: the account-level API Gateway CloudWatch Logs role (access logging needs it)', () => {
  it('apiGatewayCloudWatchRole=create (default): the role and AWS::ApiGateway::Account, both retained, before the stage', () => {
    const account = Object.entries(t.findResources('AWS::ApiGateway::Account'));
    expect(account).toHaveLength(1);
    const [accountId, resource] = account[0]! as [string, Record<string, unknown>];
    expect(resource).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        CloudWatchRoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^MtlsApiCloudWatchRole/), 'Arn'] },
      },
    });
    const role = Object.entries(t.findResources('AWS::IAM::Role')).find(([id]) =>
      id.startsWith('MtlsApiCloudWatchRole'),
    )!;
    expect(role[1]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [expect.objectContaining({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        },
      },
    });
    const stage = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0] as { DependsOn?: string[] };
    expect(stage.DependsOn).toContain(accountId);
  });

  it('apiGatewayCloudWatchRole=existing: neither the role nor the account setting', async () => {
    const existing = await synthesizeEdge({ apiGatewayCloudWatchRole: 'existing' });
    try {
      existing.template.resourceCountIs('AWS::ApiGateway::Account', 0);
      expect(
        Object.keys(existing.template.findResources('AWS::IAM::Role')).some((id) =>
          id.startsWith('MtlsApiCloudWatchRole'),
        ),
      ).toBe(false);
    } finally {
      existing.cleanup();
    }
  }, 120_000);
});

describe('CNAME API key secret', () => {
  it('created empty: neither a value nor a generated placeholder in the template, and the fill command as output', () => {
    const secret = onlyResource(t, 'AWS::SecretsManager::Secret');
    expect(secret.properties.SecretString).toBeUndefined();
    expect(secret.properties.GenerateSecretString).toBeUndefined();
    t.hasOutput('FillCnameApiKeySecret', {
      Value: {
        'Fn::Join': [
          '',
          [
            'aws secretsmanager put-secret-value --secret-id ',
            { Ref: secret.id },
            " --secret-string '<CNAME API KEY>'",
          ],
        ],
      },
    });
  });

  it('the created secret is retained when the stack is deleted or stops managing it', () => {
    t.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('imported when cnameApiKeySecretArn is given: no secret resource, the ARN as output', () => {
    full.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    full.template.hasOutput('CnameApiKeySecretArn', { Value: SECRET_ARN });
    expect(full.template.toJSON().Outputs.FillCnameApiKeySecret).toBeUndefined();
  });
});

describe('truststore builder', () => {
  it('IAM: Scan on the table, the truststore object and its publication record only (no s3:ListBucket), GET/PATCH on this domain only, the stream', () => {
    expect(policyOf(t, 'TruststoreBuilderRole')).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TruststoreBuilderLogs/), 'Arn'] },
      },
      { Action: 'dynamodb:Scan', Effect: 'Allow', Resource: { 'Fn::GetAtt': ['RegistryTable', 'Arn'] } },
      {
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['TruststoreBucket', 'Arn'] }, '/truststore.pem']] },
      },
      {
        Action: ['s3:GetObject', 's3:PutObject'],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': ['TruststoreBucket', 'Arn'] }, '/truststore-state.json']],
        },
      },
      {
        Action: ['apigateway:GET', 'apigateway:PATCH'],
        Effect: 'Allow',
        Resource: 'arn:aws:apigateway:eu-west-1::/domainnames/mtls.auth.example.com',
      },
      { Action: 'dynamodb:ListStreams', Effect: 'Allow', Resource: '*' },
      {
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': ['RegistryTable', 'StreamArn'] },
      },
    ]);
  });

  it('fault 3: no reserved concurrency (a fresh account cannot reserve any), 15-minute timeout, fed by the batched registry stream', () => {
    const functions = t.findResources('AWS::Lambda::Function');
    for (const fn of Object.values(functions)) {
      expect((fn as { Properties: object }).Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    }
    t.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900,
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          TRUSTSTORE_KEY: 'truststore.pem',
          TRUSTSTORE_STATE_KEY: 'truststore-state.json',
          DOMAIN_NAME: 'mtls.auth.example.com',
          CA_BUNDLE_FILE: 'ca-bundle.pem',
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': ['RegistryTable', 'StreamArn'] },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
    });
  });

  it('the deploy-time custom resource depends on the bucket and the role policy, and re-runs when the CA bundle changes', () => {
    const resource = t.toJSON().Resources[onlyResource(t, 'Custom::Truststore').id];
    expect(resource.DependsOn).toEqual(
      expect.arrayContaining([
        'TruststoreBucket',
        expect.stringMatching(/^TruststoreBuilderRoleDefaultPolicy/),
      ]),
    );
    expect(resource.Properties.CaBundleSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(resource.Properties.ServiceTimeout).toBe('1200');
  });
});

describe('alarms', () => {
  it('alarm on proxy errors, throttles, API 5xx, builder failures/errors, left-out registry entries and truststore warnings, all to the topic', () => {
    const metrics = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
      (a) =>
        (a as { Properties: { MetricName: string; Namespace: string; AlarmActions: unknown[] } }).Properties,
    );
    expect(metrics.map((m) => `${m.Namespace}/${m.MetricName}`).sort()).toEqual([
      'AWS/ApiGateway/5XXError',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Throttles',
      'CustomerEdge/TruststoreBuildFailures',
      'CustomerEdge/TruststoreExclusions',
      'CustomerEdge/TruststoreWarnings',
    ]);
    const topic = onlyResource(t, 'AWS::SNS::Topic');
    for (const m of metrics) expect(m.AlarmActions).toEqual([{ Ref: topic.id }]);
    for (const metricName of ['TruststoreBuildFailures', 'TruststoreExclusions']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: 'truststore-builder' }],
      });
    }
  });

  it('topic: KMS-encrypted and TLS-only; email subscription only when alarmEmail is given', () => {
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    t.resourceCountIs('AWS::SNS::Subscription', 0);
    full.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('outputs', () => {
  it('declares the outputs of docs/reference.md#outputs', () => {
    for (const name of [
      'MtlsEndpoint',
      'RegistryTableName',
      'TruststoreBucketName',
      'CnameApiKeySecretArn',
      'RegionalDomainName',
      'OperatorPolicyArn',
    ]) {
      t.hasOutput(name, {});
    }
    t.hasOutput('MtlsEndpoint', { Value: 'https://mtls.auth.example.com' });
  });
});

describe('cdk-nag AwsSolutions gate', () => {
  it.each([
    ['minimal', () => minimal],
    ['full', () => full],
  ])('%s configuration: zero unacknowledged errors and warnings', (_name, edge) => {
    const report = new AwsSolutionsChecks().validateScope(edge().stack);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('the gate is live: an unacknowledged finding is reported', () => {
    // The created secret's SMG4 acknowledgment removed: the rule must fire on it.
    const entries = Object.values(minimal.template.findResources('AWS::SecretsManager::Secret'));
    expect(entries).toHaveLength(1);
    const secret = minimal.stack.node.findChild('CnameApiKey');
    const metadata = secret.node.metadata.filter(
      (m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY,
    );
    expect(metadata.length).toBe(1);
    const saved = metadata[0]!.data as Record<string, string>;
    const key = Object.keys(saved)[0]!;
    const reason = saved[key]!;
    delete saved[key];
    try {
      const report = new AwsSolutionsChecks().validateScope(minimal.stack);
      expect(report.violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-SMG4']);
    } finally {
      saved[key] = reason;
    }
  });

  it('every acknowledgment carries a reason of at least a sentence', () => {
    const reasons: string[] = [];
    for (const construct of minimal.stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          reasons.push(...Object.values(entry.data as Record<string, string>));
        }
      }
    }
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason.length).toBeGreaterThan(60);
  });
});
