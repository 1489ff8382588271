/**
 * The Application Load Balancer front door (`frontDoor=alb`, docs/front-doors.md): `mtls.<domain>` on an
 * internet-facing ALB whose HTTPS listener offers only TLS 1.3 and the TLS 1.2 ECDHE AES-GCM suites
 * (`ALB_TLS_POLICY`) and runs mutual TLS in passthrough mode: the handshake proves the client holds the
 * key of the certificate it presents, and the whole presented chain goes to the proxy Lambda in
 * `X-Amzn-Mtls-Clientcert`, where the registry alone decides. Listener rules forward only the allowed
 * paths and methods; everything else gets a fixed 404 from the listener. No plain-HTTP listener.
 *
 * The VPC exists only because an ALB needs one: public subnets in two AZs, no NAT gateway, nothing else
 * in it (the Lambda stays outside). Access, connection and rejected-flow logs go to one S3 bucket.
 */
import { Aws, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as elbv2Targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { logSinkBucket } from './log-bucket';
import type { HostedZoneConfig } from './config';
import { aliasRecord } from './dns';
import { Construct } from 'constructs';
import {
  ALB_ATTRIBUTES,
  ALB_CERT_HEADER_ATTRIBUTE,
  ALB_CLIENT_CERT_HEADER,
  ALB_TLS_POLICY,
} from '../shared/contracts/alb';

/** One listener rule: requests for `path` with one of `methods` go to the proxy. */
export interface AlbRoute {
  readonly path: string;
  readonly methods: readonly string[];
  /** The rule's priority: fixed per path, so adding or removing another path never renumbers this one. */
  readonly priority: number;
}

export interface AlbFrontDoorProps {
  /** `mtls.<domain>`. */
  readonly domainName: string;
  /** ACM certificate ARN for `domainName`, in the stack's region. */
  readonly certificateArn: string;
  readonly handler: lambda.IFunction;
  readonly routes: readonly AlbRoute[];
  /** @default - no DNS record */
  readonly hostedZone?: HostedZoneConfig;
  /** A regional AWS WAF web ACL to associate with the load balancer. @default - none */
  readonly webAclArn?: string;
  /** CloudFormation cannot delete the load balancer while this is on. */
  readonly deletionProtection: boolean;
}

/** Key prefixes in the logs bucket. */
export const ALB_LOG_PREFIXES = {
  access: 'access',
  connection: 'connection',
  flow: 'flow-logs',
} as const;

/** The listener's answer to every request no rule forwards: the proxy's own 404 body (docs/reference.md#edge-responses). */
export const ALB_NOT_FOUND_BODY = JSON.stringify({
  error: 'not_found',
  error_description: 'No such endpoint on this host',
});

/** CDK's name for the policy of `ALB_TLS_POLICY`; throws if this aws-cdk-lib does not know it. */
function sslPolicyOf(name: string): elbv2.SslPolicy {
  const policy = Object.values(elbv2.SslPolicy).find((value) => value === name);
  if (policy === undefined) throw new Error(`aws-cdk-lib has no SslPolicy ${name}`);
  return policy;
}

export class AlbFrontDoor extends Construct {
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  readonly logsBucket: s3.Bucket;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  /**
   * The name the listener writes the client's chain under: `x-amzn-mtls-clientcert-` and the last 12 hex
   * digits of this stack's id (random per stack, unknown to clients; resolved at deploy time). The proxy
   * reads only this name (its ALB_CLIENT_CERT_HEADER), so a client that presents no certificate cannot put
   * a chain of its choosing there, whatever the load balancer does with the default name.
   */
  readonly certHeaderName: string;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly record?: route53.ARecord;

  constructor(scope: Construct, id: string, props: AlbFrontDoorProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.logsBucket = logSinkBucket(
      this,
      'Logs',
      "This bucket is the load balancer's log sink (access, connection and VPC flow logs), written only by the log delivery services; server access logs of it would need yet another bucket and record only those deliveries",
    );

    // An ALB needs a VPC; nothing else runs in it. Two public subnets (an ALB needs two AZs), no NAT
    // gateway (the proxy Lambda stays outside the VPC and reaches Auth0 directly), no private subnets.
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/24'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        // /26: an ALB subnet needs at least /27 with 8 free addresses (ELB user guide, "Subnets").
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26, mapPublicIpOnLaunch: false },
      ],
      // Nothing is ever placed in the default security group; restricting it would add a custom
      // resource Lambda with EC2 permissions to a stack that otherwise needs none.
      restrictDefaultSecurityGroup: false,
    });
    // The accepted traffic is already logged per connection (connection logs) and per request (access
    // logs); flow logs add what those cannot see: the packets the security group rejected.
    this.vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toS3(this.logsBucket, `${ALB_LOG_PREFIXES.flow}/`),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `Customer edge ALB for ${props.domainName}: HTTPS from anywhere, nothing out (the Lambda target needs no egress)`,
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS (mutual TLS) from clients',
    );
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        "mtls.<domain> is a public endpoint for the clients' token requests: port 443 is open to the internet by design, and it is the only open port (no plain-HTTP listener); WAF rate rules and the proxy's registry decide who gets through",
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      internetFacing: true,
      ipAddressType: elbv2.IpAddressType.IPV4,
      securityGroup: this.securityGroup,
      deletionProtection: props.deletionProtection,
      // Headers whose names are not valid HTTP tokens never reach the proxy.
      dropInvalidHeaderFields: true,
      // Requests that are not RFC 7230 compliant are refused, not forwarded (request smuggling).
      desyncMitigationMode: elbv2.DesyncMitigationMode.STRICTEST,
      // The rightmost X-Forwarded-For entry is the address the ALB accepted the connection from: the
      // proxy takes it as the client IP. `append` puts it after anything the client sent; `preserve`
      // would hand on the client's own value and `remove` none.
      xffHeaderProcessingMode: elbv2.XffHeaderProcessingMode.APPEND,
    });
    // Written out although they are the defaults (CDK leaves out a `false`), so the template says it:
    // no `:port` on the appended address, and with no answer from WAF refuse rather than forward
    // unfiltered (matters only with a web ACL).
    this.loadBalancer.setAttribute('routing.http.xff_client_port.enabled', 'false');
    this.loadBalancer.setAttribute('waf.fail_open.enabled', 'false');
    this.enableLogs(stack);

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Proxy', {
      targetType: elbv2.TargetType.LAMBDA,
      targets: [new elbv2Targets.LambdaTarget(props.handler)],
      // Every value of a repeated header reaches the proxy (without it the ALB keeps only the last one,
      // so a client could stack a second X-Amzn-Mtls-Clientcert or X-Forwarded-For unseen).
      multiValueHeadersEnabled: ALB_ATTRIBUTES.multiValueHeaders,
    });

    this.listener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
      sslPolicy: sslPolicyOf(ALB_TLS_POLICY.name),
      // Passthrough: no trust store; the ALB accepts any client certificate, checks that the client
      // holds its key, and hands the chain to the proxy, which decides with the registry.
      mutualAuthentication: { mutualAuthenticationMode: elbv2.MutualAuthenticationMode.PASS_THROUGH },
      // The security group above opens 443; CDK must not add its own rule.
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/json',
        messageBody: ALB_NOT_FOUND_BODY,
      }),
    });

    this.certHeaderName = Fn.join('', [
      `${ALB_CLIENT_CERT_HEADER}-`,
      Fn.select(4, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID)))),
    ]);
    // Listener attribute (ELB API reference, ListenerAttribute): renames the X-Amzn-Mtls-Clientcert
    // request header the load balancer adds ("Rename mTLS/TLS headers").
    (this.listener.node.defaultChild as elbv2.CfnListener).listenerAttributes = [
      { key: ALB_CERT_HEADER_ATTRIBUTE, value: this.certHeaderName },
    ];

    for (const route of props.routes) {
      new elbv2.ApplicationListenerRule(this, `Route${route.priority}`, {
        listener: this.listener,
        priority: route.priority,
        // Path patterns are case-sensitive and these have no wildcards: exact paths only.
        conditions: [
          elbv2.ListenerCondition.pathPatterns([route.path]),
          elbv2.ListenerCondition.httpRequestMethods([...route.methods]),
        ],
        action: elbv2.ListenerAction.forward([this.targetGroup]),
      });
    }

    if (props.webAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', {
        resourceArn: this.loadBalancer.loadBalancerArn,
        webAclArn: props.webAclArn,
      });
    }

    if (props.hostedZone) {
      this.record = aliasRecord(
        this,
        props.hostedZone,
        props.domainName,
        new route53Targets.LoadBalancerTarget(this.loadBalancer),
      );
    }
  }

  /**
   * Access and connection logs into the logs bucket. ELB writes them as the region's ELB account, or,
   * in regions opened since August 2022 (which have none), as the service principal
   * `logdelivery.elasticloadbalancing.amazonaws.com` (ELB user guide, "Enable access logs", step 2).
   * Only under this account's `AWSLogs/` keys of the two prefixes; the load balancer waits for the policy,
   * since ELB checks that it may write when logging is turned on.
   */
  private enableLogs(stack: Stack): void {
    const elbAccount = RegionInfo.get(stack.region).elbv2Account;
    const writer = elbAccount
      ? new iam.AccountPrincipal(elbAccount)
      : new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com');
    this.logsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ElbLogDelivery',
        actions: ['s3:PutObject'],
        principals: [writer],
        resources: [ALB_LOG_PREFIXES.access, ALB_LOG_PREFIXES.connection].map((prefix) =>
          this.logsBucket.arnForObjects(`${prefix}/AWSLogs/${stack.account}/*`),
        ),
      }),
    );
    const attributes: Record<string, string> = {
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.bucket': this.logsBucket.bucketName,
      'access_logs.s3.prefix': ALB_LOG_PREFIXES.access,
      'connection_logs.s3.enabled': 'true',
      'connection_logs.s3.bucket': this.logsBucket.bucketName,
      'connection_logs.s3.prefix': ALB_LOG_PREFIXES.connection,
    };
    for (const [key, value] of Object.entries(attributes)) this.loadBalancer.setAttribute(key, value);
    const policy = this.logsBucket.policy;
    if (policy) this.loadBalancer.node.addDependency(policy);
  }
}
