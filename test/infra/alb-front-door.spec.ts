/**
 * The stack with `frontDoor=alb` (lib/alb-front-door.ts): the load balancer's TLS and mutual TLS, the
 * Lambda target, the rules, what the stack no longer has (API Gateway, truststore, NAT), the logs, the
 * alarms, WAF and DNS, and cdk-nag as a gate. Three configurations of support.ts, each synthesized once:
 * `alb` in eu-west-1 (a region with an ELB log delivery account), `albFull` (zone, web ACL, no deletion
 * protection, a subset of paths), and `albNewRegion` in eu-central-2 (opened after August 2022, it has
 * none). synth.test.ts runs the CDK's CloudFormation validation on all three.
 */
import { Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ALB_ATTRIBUTES, ALB_TLS_POLICY } from '../../shared/contracts/alb';
import { ALLOWED_METHODS, EDGE_PATHS, type EdgePath } from '../../shared/contracts/proxy';
import { ALB_NOT_FOUND_BODY } from '../../lib/alb-front-door';
import { TLS_NEGOTIATION_ERRORS_THRESHOLD } from '../../lib/alarms';
import { loadConfig } from '../../lambda/proxy/config';
import { TemplateResolver } from '../support/iam';
import type { CfnTemplate } from '../support/stack-template';
import { CONFIGURATIONS, WEB_ACL_ARN, synthesizeEdge, type SynthesizedEdge } from './support';

/** The proxy's required variables, for reading one more through its own configuration rules. */
const REQUIRED_PROXY_ENV = {
  FORWARDING_TARGET: 'https://acme-cd-abc123.edge.tenants.us.auth0.com',
  CNAME_API_KEY_SECRET_ID: 'secret',
  REGISTRY_TABLE_NAME: 'registry',
  CA_BUNDLE_FILE: 'ca-bundle.pem',
};

let minimal: SynthesizedEdge;
let full: SynthesizedEdge;
let zurich: SynthesizedEdge;
let t: Template;

beforeAll(async () => {
  minimal = await synthesizeEdge(CONFIGURATIONS.alb);
  full = await synthesizeEdge(CONFIGURATIONS.albFull);
  zurich = await synthesizeEdge(CONFIGURATIONS.albNewRegion);
  t = minimal.template;
}, 120_000);

afterAll(() => {
  minimal?.cleanup();
  full?.cleanup();
  zurich?.cleanup();
});

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

function resourcesOf(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type)) as Array<[string, Resource]>;
}

function only(template: Template, type: string): [string, Resource] {
  const found = resourcesOf(template, type);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function attributesOf(resource: Resource, property: string): Record<string, string> {
  const list = resource.Properties[property] as Array<{ Key: string; Value: unknown }>;
  return Object.fromEntries(list.map(({ Key, Value }) => [Key, Value as string]));
}

/** The (path, method) pairs the listener rules forward, and where to. */
function forwardedRoutes(template: Template): Array<{ route: string; target: unknown; priority: number }> {
  return resourcesOf(template, 'AWS::ElasticLoadBalancingV2::ListenerRule').flatMap(([, rule]) => {
    const conditions = rule.Properties.Conditions as Array<Record<string, { Values: string[] }>>;
    const paths = conditions.flatMap((c) => c.PathPatternConfig?.Values ?? []);
    const methods = conditions.flatMap((c) => c.HttpRequestMethodConfig?.Values ?? []);
    expect(paths).toHaveLength(1);
    const [action] = rule.Properties.Actions as Array<{ Type: string; TargetGroupArn: unknown }>;
    expect(action!.Type).toBe('forward');
    return methods.map((method) => ({
      route: `${method} ${paths[0]}`,
      target: action!.TargetGroupArn,
      priority: rule.Properties.Priority as number,
    }));
  });
}

function expectedRoutes(paths: readonly EdgePath[]): string[] {
  return paths.flatMap((path) => ALLOWED_METHODS[path].map((method) => `${method} ${path}`)).sort();
}

describe('HTTPS listener', () => {
  it('is the only listener: 443, HTTPS, the FAPI policy of shared/contracts/alb.ts, the ACM certificate', () => {
    const [, listener] = only(t, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listener.Properties).toMatchObject({
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
      Certificates: [{ CertificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc' }],
    });
    expect(listener.Properties.SslPolicy).toBe(ALB_TLS_POLICY.name);
  });

  it('the recorded suite list is TLS 1.3 and TLS 1.2 ECDHE with AES-GCM, nothing else', () => {
    expect([ALB_TLS_POLICY.minVersion, ALB_TLS_POLICY.maxVersion]).toEqual(['TLSv1.2', 'TLSv1.3']);
    for (const suite of ALB_TLS_POLICY.tls12Ciphers)
      expect(suite).toMatch(/^ECDHE-(RSA|ECDSA)-AES(128|256)-GCM-SHA(256|384)$/);
    for (const suite of ALB_TLS_POLICY.tls13Ciphers)
      expect(suite).toMatch(/^TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)$/);
    // FAPI 1 Advanced §8.5's two ECDHE suites are offered (with an RSA certificate, they are what TLS 1.2 gets).
    expect(ALB_TLS_POLICY.tls12Ciphers).toEqual(
      expect.arrayContaining(['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384']),
    );
  });

  it('mutual TLS in passthrough mode: no trust store, the chain goes to the proxy', () => {
    const [, listener] = only(t, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listener.Properties.MutualAuthentication).toEqual({ Mode: 'passthrough' });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::TrustStore', 0);
  });

  it("renames the chain header to x-amzn-mtls-clientcert-<the stack id's last 12 hex digits>, and the proxy reads that name", () => {
    const [, listener] = only(t, 'AWS::ElasticLoadBalancingV2::Listener');
    const name = {
      'Fn::Join': [
        '',
        [
          'x-amzn-mtls-clientcert-',
          {
            'Fn::Select': [
              4,
              { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
            ],
          },
        ],
      ],
    };
    expect(listener.Properties.ListenerAttributes).toEqual([
      { Key: 'routing.http.request.x_amzn_mtls_clientcert.header_name', Value: name },
    ]);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { FORWARDING_TARGET: Match.anyValue(), ALB_CLIENT_CERT_HEADER: name } },
    });
    // What CloudFormation makes of it for a stack id of the documented shape: a name the proxy accepts.
    const stackId =
      'arn:aws:cloudformation:eu-west-1:123456789012:stack/CustomerEdge/51af3dc0-da77-11e4-872e-9f0c2b71de34';
    const resolved = new TemplateResolver(t.toJSON() as CfnTemplate, {
      tableName: 'registry',
      stackId,
    }).resolve(name);
    expect(resolved).toBe('x-amzn-mtls-clientcert-9f0c2b71de34');
    expect(
      loadConfig({ ...REQUIRED_PROXY_ENV, ALB_CLIENT_CERT_HEADER: resolved as string }, '/')
        .albClientCertHeader,
    ).toBe(resolved);
  });

  it('answers everything no rule forwards with a fixed 404 in the JSON of the proxy’s own not_found', () => {
    const [, listener] = only(t, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listener.Properties.DefaultActions).toEqual([
      {
        Type: 'fixed-response',
        FixedResponseConfig: {
          StatusCode: '404',
          ContentType: 'application/json',
          MessageBody: ALB_NOT_FOUND_BODY,
        },
      },
    ]);
    expect(JSON.parse(ALB_NOT_FOUND_BODY)).toMatchObject({ error: 'not_found' });
  });
});

describe('the proxy as the Lambda target', () => {
  it('one target group of type lambda: the proxy function, with multi-value headers', () => {
    const [, group] = only(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const proxy = Object.keys(
      t.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { FORWARDING_TARGET: Match.anyValue() } } },
      }),
    );
    expect(proxy).toHaveLength(1);
    expect(group.Properties).toMatchObject({
      TargetType: 'lambda',
      Targets: [{ Id: { 'Fn::GetAtt': [proxy[0], 'Arn'] } }],
    });
    expect(attributesOf(group, 'TargetGroupAttributes')).toEqual({
      'lambda.multi_value_headers.enabled': 'true',
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'elasticloadbalancing.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [proxy[0], 'Arn'] },
    });
  });

  it('the proxy Lambda stays outside the VPC', () => {
    for (const [, fn] of resourcesOf(t, 'AWS::Lambda::Function'))
      expect(fn.Properties.VpcConfig).toBeUndefined();
  });
});

describe('listener rules', () => {
  it('forward exactly the allowed paths × methods of ALLOWED_METHODS to the proxy, nothing else', () => {
    const [group] = only(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const routes = forwardedRoutes(t);
    expect(routes.map((r) => r.route).sort()).toEqual(expectedRoutes(EDGE_PATHS));
    for (const route of routes) expect(route.target).toEqual({ Ref: group });
  });

  it('with allowedPaths, only those; each path keeps its priority whatever else is allowed', () => {
    const routes = forwardedRoutes(full.template);
    expect(routes.map((r) => r.route).sort()).toEqual(expectedRoutes(['/oauth/token', '/userinfo']));
    const priorityOf = (template: Template, path: string): number[] => [
      ...new Set(
        forwardedRoutes(template)
          .filter((r) => r.route.endsWith(` ${path}`))
          .map((r) => r.priority),
      ),
    ];
    expect(priorityOf(full.template, '/userinfo')).toEqual(priorityOf(t, '/userinfo'));
    expect(priorityOf(full.template, '/oauth/token')).toEqual(priorityOf(t, '/oauth/token'));
  });
});

describe('load balancer', () => {
  it('internet-facing IPv4 in the two public subnets, behind its own security group', () => {
    const [, lb] = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.Properties).toMatchObject({
      Type: 'application',
      Scheme: 'internet-facing',
      IpAddressType: 'ipv4',
    });
    const subnets = resourcesOf(t, 'AWS::EC2::Subnet').map(([id]) => ({ Ref: id }));
    expect(lb.Properties.Subnets).toEqual(expect.arrayContaining(subnets));
    expect(subnets).toHaveLength(2);
  });

  it('drops invalid header fields, strictest desync mitigation, appends to X-Forwarded-For without the port, WAF fails closed', () => {
    const [, lb] = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const attributes = attributesOf(lb, 'LoadBalancerAttributes');
    expect(attributes).toMatchObject({
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'routing.http.desync_mitigation_mode': 'strictest',
      'routing.http.xff_header_processing.mode': ALB_ATTRIBUTES.xffHeaderProcessingMode,
      'routing.http.xff_client_port.enabled': 'false',
      'waf.fail_open.enabled': 'false',
    });
    expect(ALB_ATTRIBUTES.xffHeaderProcessingMode).toBe('append');
    // The TLS headers would be client-forgeable copies of what the connection logs record.
    expect(attributes['routing.http.x_amzn_tls_version_and_cipher_suite.enabled']).not.toBe('true');
  });

  it('deletion protection on by default, off with albDeletionProtection=false', () => {
    const protection = (template: Template): string =>
      attributesOf(only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[1], 'LoadBalancerAttributes')[
        'deletion_protection.enabled'
      ]!;
    expect(protection(t)).toBe('true');
    expect(protection(full.template)).toBe('false');
  });

  it('security group: 443 from anywhere in, nothing else in, nothing out', () => {
    const [, group] = only(t, 'AWS::EC2::SecurityGroup');
    expect(group.Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    // CDK's placeholder for "no egress": ICMP to 255.255.255.255/32, which matches no traffic.
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
    ]);
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });
});

describe('what the ALB door does not have', () => {
  it.each([
    'AWS::ApiGateway::RestApi',
    'AWS::ApiGateway::DomainName',
    'AWS::ApiGateway::BasePathMapping',
    'AWS::ApiGateway::Stage',
    'AWS::ApiGateway::Account',
    'Custom::Truststore',
    'AWS::Lambda::EventSourceMapping',
    'AWS::EC2::NatGateway',
    'AWS::EC2::EIP',
  ])('no %s', (type) => {
    t.resourceCountIs(type, 0);
    full.template.resourceCountIs(type, 0);
  });

  it('no truststore bucket or builder: one Lambda function, the proxy; no TruststoreBucketName output', () => {
    expect(t.toJSON().Resources.TruststoreBucket).toBeUndefined();
    t.resourceCountIs('AWS::Lambda::Function', 1);
    expect(t.toJSON().Outputs.TruststoreBucketName).toBeUndefined();
  });

  it('the VPC: two public subnets in two AZs routed to an internet gateway, no private subnets', () => {
    const subnets = resourcesOf(t, 'AWS::EC2::Subnet').map(([, s]) => s.Properties);
    expect(subnets.map((s) => s.AvailabilityZone)).toEqual([
      { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
    ]);
    for (const subnet of subnets) expect(subnet.MapPublicIpOnLaunch).toBe(false);
    const routes = resourcesOf(t, 'AWS::EC2::Route').map(([, r]) => r.Properties);
    expect(routes).toHaveLength(2);
    for (const route of routes) {
      expect(route).toMatchObject({
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: { Ref: expect.any(String) },
      });
    }
  });
});

describe('logs', () => {
  function logsBucket(template: Template): string {
    const [, lb] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const attributes = attributesOf(lb, 'LoadBalancerAttributes') as Record<string, unknown>;
    return (attributes['access_logs.s3.bucket'] as { Ref: string }).Ref;
  }

  function elbStatement(template: Template): Record<string, unknown> {
    const bucket = logsBucket(template);
    const [, policy] = only(template, 'AWS::S3::BucketPolicy');
    expect(policy.Properties.Bucket).toEqual({ Ref: bucket });
    const statements = (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> })
      .Statement;
    const elb = statements.filter((s) => s.Sid === 'ElbLogDelivery');
    expect(elb).toHaveLength(1);
    return elb[0]!;
  }

  const objectsUnder = (bucket: string, prefix: string): unknown => ({
    'Fn::Join': [
      '',
      [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${prefix}/AWSLogs/`, { Ref: 'AWS::AccountId' }, '/*'],
    ],
  });

  it('access and connection logs on, into the logs bucket under access/ and connection/', () => {
    const [, lb] = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const bucket = logsBucket(t);
    expect(attributesOf(lb, 'LoadBalancerAttributes')).toMatchObject({
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.prefix': 'access',
      'connection_logs.s3.enabled': 'true',
      'connection_logs.s3.bucket': { Ref: bucket },
      'connection_logs.s3.prefix': 'connection',
    });
  });

  it("in a region with an ELB account (eu-west-1): PutObject for that account, under this account's keys only", () => {
    const bucket = logsBucket(t);
    expect(elbStatement(t)).toEqual({
      Sid: 'ElbLogDelivery',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Principal: { AWS: 'arn:aws:iam::156460612806:root' },
      Resource: [objectsUnder(bucket, 'access'), objectsUnder(bucket, 'connection')],
    });
  });

  it('in a region opened after August 2022 (eu-central-2): the logdelivery.elasticloadbalancing service principal', () => {
    const bucket = logsBucket(zurich.template);
    expect(elbStatement(zurich.template)).toMatchObject({
      Action: 's3:PutObject',
      Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
      Resource: [objectsUnder(bucket, 'access'), objectsUnder(bucket, 'connection')],
    });
  });

  it('the load balancer is created after the bucket policy (ELB checks it may write when logging is turned on)', () => {
    const [policy] = only(t, 'AWS::S3::BucketPolicy');
    const [, lb] = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.DependsOn).toContain(policy);
  });

  it('the bucket: SSE-S3 (the only encryption ELB logs support), public access blocked, TLS only, expiring after a year, retained', () => {
    const bucket = logsBucket(t);
    const resource = t.toJSON().Resources[bucket];
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ ExpirationInDays: 365, Status: 'Enabled' })],
      },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('VPC flow logs of rejected traffic into the same bucket', () => {
    const [, flowLog] = only(t, 'AWS::EC2::FlowLog');
    const [vpc] = only(t, 'AWS::EC2::VPC');
    expect(flowLog.Properties).toMatchObject({
      ResourceType: 'VPC',
      ResourceId: { Ref: vpc },
      TrafficType: 'REJECT',
      LogDestinationType: 's3',
      LogDestination: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logsBucket(t), 'Arn'] }, '/flow-logs/']] },
    });
  });
});

describe('alarms', () => {
  function alarms(template: Template): Array<Record<string, unknown>> {
    return resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  }

  it("the proxy's errors and throttles, the ALB's and the proxy's 5xx, failed invocations, refused connections and handshakes, all to the topic", () => {
    const list = alarms(t);
    expect(list.map((a) => `${String(a.Namespace)}/${String(a.MetricName)}`).sort()).toEqual([
      'AWS/ApplicationELB/ClientTLSNegotiationErrorCount',
      'AWS/ApplicationELB/HTTPCode_ELB_5XX_Count',
      'AWS/ApplicationELB/HTTPCode_Target_5XX_Count',
      'AWS/ApplicationELB/LambdaInternalError',
      'AWS/ApplicationELB/LambdaUserError',
      'AWS/ApplicationELB/RejectedConnectionCount',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Throttles',
    ]);
    const [topic] = only(t, 'AWS::SNS::Topic');
    for (const alarm of list) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      if (String(alarm.Namespace) === 'AWS/ApplicationELB') expect(alarm.Statistic).toBe('Sum');
    }
    const tls = list.find((a) => a.MetricName === 'ClientTLSNegotiationErrorCount');
    expect(tls?.Threshold).toBe(TLS_NEGOTIATION_ERRORS_THRESHOLD);
    for (const alarm of list.filter((a) => a.MetricName !== 'ClientTLSNegotiationErrorCount')) {
      expect(alarm.Threshold).toBe(1);
    }
  });

  it('the Lambda target metrics are the target group’s', () => {
    const [group] = only(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    for (const name of ['LambdaUserError', 'LambdaInternalError']) {
      const alarm = alarms(t).find((a) => a.MetricName === name);
      expect(alarm?.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [group, 'TargetGroupFullName'] } },
        ]),
      );
    }
  });
});

describe('WAF and DNS', () => {
  it('the web ACL is associated with the load balancer only when albWebAclArn is given', () => {
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    const [lb] = only(full.template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    full.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: lb },
      WebACLArn: WEB_ACL_ARN,
    });
  });

  it('with a hosted zone: an A alias record for mtls.<domain> to the load balancer', () => {
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    const [lb] = only(full.template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    full.template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'mtls.auth.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABC',
      AliasTarget: {
        DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': [lb, 'DNSName'] }]] },
        HostedZoneId: { 'Fn::GetAtt': [lb, 'CanonicalHostedZoneID'] },
      },
    });
  });

  it('outputs: MtlsEndpoint, RegionalDomainName = the load balancer’s DNS name, the logs bucket', () => {
    const [lb] = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    t.hasOutput('MtlsEndpoint', { Value: 'https://mtls.auth.example.com' });
    t.hasOutput('RegionalDomainName', { Value: { 'Fn::GetAtt': [lb, 'DNSName'] } });
    // The bucket the load balancer writes its access logs to.
    const [, balancer] = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const accessLogs = (attributesOf(balancer, 'LoadBalancerAttributes') as Record<string, unknown>)[
      'access_logs.s3.bucket'
    ];
    t.hasOutput('LoadBalancerLogsBucketName', { Value: accessLogs });
    for (const name of ['RegistryTableName', 'CnameApiKeySecretArn']) t.hasOutput(name, {});
  });
});

describe('cdk-nag AwsSolutions gate', () => {
  it.each([
    ['minimal', () => minimal],
    ['full', () => full],
    ['eu-central-2', () => zurich],
  ])('%s ALB configuration: zero unacknowledged errors and warnings', (_name, edge) => {
    const report = new AwsSolutionsChecks().validateScope(edge().stack);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('the gate sees the open port: without its acknowledgement, EC23 is reported on the security group', () => {
    const group = minimal.stack.node.findChild('Alb').node.findChild('SecurityGroup');
    const entry = group.node.metadata.find((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    const saved = entry?.data as Record<string, string>;
    const key = Object.keys(saved).find((k) => k.endsWith('AwsSolutions-EC23'))!;
    const reason = saved[key]!;
    delete saved[key];
    try {
      const report = new AwsSolutionsChecks().validateScope(minimal.stack);
      expect(report.violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-EC23']);
    } finally {
      saved[key] = reason;
    }
  });

  it('the front door acknowledges exactly EC23 on its security group and S1 on its logs bucket, each with a reason', () => {
    const acknowledged: string[] = [];
    for (const construct of minimal.stack.node.findChild('Alb').node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
          // CDK acknowledges some of its own findings (CloudFormation-Validate::…); ours are cdk-nag's.
          const rule = /AwsSolutions-\w+$/.exec(key)?.[0];
          if (rule === undefined) continue;
          acknowledged.push(`${construct.node.path}: ${rule}`);
          expect(reason.length).toBeGreaterThan(60);
        }
      }
    }
    expect(acknowledged.sort()).toEqual([
      'CustomerEdge/Alb/Logs: AwsSolutions-S1',
      'CustomerEdge/Alb/SecurityGroup: AwsSolutions-EC23',
    ]);
  });
});
