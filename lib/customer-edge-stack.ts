/**
 * The stack `CustomerEdge`: wires the constructs (registry, proxy, front door, alarms) and declares the
 * outputs of docs/reference.md#outputs. The front door is API Gateway with the truststore that feeds its
 * domain (default), or the Application Load Balancer with mutual TLS passthrough (`frontDoor=alb`), where
 * the registry alone decides and there is no truststore. It reads nothing: everything comes in as
 * validated props.
 */
import { ArnFormat, CfnOutput, RemovalPolicy, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { ALLOWED_METHODS, EDGE_PATHS, PROXY_ENV } from '../shared/contracts/proxy';
import { STACK_OUTPUTS } from '../shared/contracts/stack';
import type { EdgeConfig } from './config';
import { AlbFrontDoor } from './alb-front-door';
import { EdgeAlarms, type AlbAlarmSources, type ApiGatewayAlarmSources } from './alarms';
import { CustomDomainEdge } from './custom-domain-edge';
import { MtlsApi } from './mtls-api';
import { ProxyFunction } from './proxy-function';
import { RegistryTable } from './registry-table';
import { Truststore } from './truststore';

export interface CustomerEdgeStackProps extends StackProps {
  readonly config: EdgeConfig;
  /** Absolute path of the CA bundle (the config's `caBundlePath` resolved by bin/). */
  readonly caBundleFile: string;
  /** The CA bundle's text (read by bin/): its hash re-runs the deploy-time truststore build when it changes. */
  readonly caBundlePem: string;
}

export class CustomerEdgeStack extends Stack {
  constructor(scope: Construct, id: string, props: CustomerEdgeStackProps) {
    super(scope, id, props);
    const { config } = props;

    // Stateful: these construct IDs never change (the table and bucket logical IDs are pinned too).
    const registry = new RegistryTable(this, 'Registry');

    let secret: secretsmanager.ISecret;
    if (config.cnameApiKeySecretArn) {
      secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'CnameApiKey', config.cnameApiKeySecretArn);
    } else {
      // Created EMPTY (neither SecretString nor GenerateSecretString): no placeholder that could pass for
      // the key, nothing in the template. The proxy answers 503 until the operator puts Auth0's key in.
      const created = new secretsmanager.CfnSecret(this, 'CnameApiKey', {
        description: `Auth0 custom domain CNAME API key for ${config.domainName} (put the value in after deploy)`,
      });
      // Retained: the key outlives the stack, and switching to `cnameApiKeySecretArn` of this very secret
      // later must not delete it.
      created.applyRemovalPolicy(RemovalPolicy.RETAIN);
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          "The value is Auth0's custom domain CNAME API key: Auth0 issues it and Secrets Manager cannot rotate it; rotation is the documented manual procedure (docs/operations.md#rotating-the-api-key)",
      });
      secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'CnameApiKeyRef', created.ref);
      new CfnOutput(this, STACK_OUTPUTS.fillCnameApiKeySecret, {
        description: 'Run once after the first deploy (the proxy answers 503 until the secret holds the key)',
        value: `aws secretsmanager put-secret-value --secret-id ${created.ref} --secret-string '<CNAME API KEY>'`,
      });
    }

    const proxy = new ProxyFunction(this, 'Proxy', {
      forwardingTarget: config.forwardingTarget,
      table: registry.table,
      secret,
      secretKmsKeyArn: config.cnameApiKeySecretKmsKeyArn,
      caBundlePath: props.caBundleFile,
      allowedPaths: config.allowedPaths,
      caSignedPolicy: config.caSignedPolicy,
      clientIpHeader: config.clientIpHeader,
    });

    const frontDoor =
      config.frontDoor === 'alb'
        ? this.albFrontDoor(config, proxy)
        : this.apiGatewayFrontDoor(config, props, registry, proxy);

    new EdgeAlarms(this, 'Alarms', {
      proxy: proxy.function,
      frontDoor: frontDoor.alarmSources,
      email: config.alarmEmail,
    });

    // The custom domain's own edge: CloudFront for <domainName>, stripping forged mTLS headers.
    if (config.customDomainCertificateArn) {
      const customDomain = new CustomDomainEdge(this, 'CustomDomain', {
        domainName: config.domainName,
        certificate: Certificate.fromCertificateArn(
          this,
          'CustomDomainCertificate',
          config.customDomainCertificateArn,
        ),
        forwardingTargetHost: config.forwardingTarget,
        apiKeySecret: secret,
        hostedZone: config.hostedZone
          ? HostedZone.fromHostedZoneAttributes(this, 'CustomDomainZone', {
              hostedZoneId: config.hostedZone.id,
              zoneName: config.hostedZone.name,
            })
          : undefined,
      });
      new CfnOutput(this, STACK_OUTPUTS.customDomainEdge, {
        description: config.hostedZone
          ? `Target of the alias records ${config.domainName}`
          : `Point ${config.domainName} here (CNAME, or a Route 53 alias at a zone apex)`,
        value: customDomain.distributionDomainName,
      });
    }

    // What an operator running `edge-certs` needs, and nothing more: the registry's items (register,
    // list, revoke, remove; guard items included), this stack's outputs (the CLI's default table), and
    // with API Gateway the current truststore object (register, list and show check entries against
    // what is published; the load balancer has none).
    const operators = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description: `Customer edge operators (edge-certs): the certificate registry of ${config.domainName}`,
      statements: [
        new iam.PolicyStatement({
          actions: [
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:Scan',
          ],
          resources: [registry.table.tableArn],
        }),
        ...(frontDoor.truststoreObjectArn !== undefined
          ? [
              new iam.PolicyStatement({
                actions: ['s3:GetObject'],
                resources: [frontDoor.truststoreObjectArn],
              }),
            ]
          : []),
        new iam.PolicyStatement({
          actions: ['cloudformation:DescribeStacks'],
          resources: [
            this.formatArn({
              service: 'cloudformation',
              resource: 'stack',
              resourceName: `${this.stackName}/*`,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    const shown = (value: string, token: string): string =>
      Token.isUnresolved(value) ? `<${token}>` : value;
    Validations.of(operators).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${shown(this.partition, 'AWS::Partition')}:cloudformation:${shown(this.region, 'AWS::Region')}:${shown(this.account, 'AWS::AccountId')}:stack/${shown(this.stackName, 'AWS::StackName')}/*]`,
      reason:
        "A stack ARN ends in an id CloudFormation assigns at creation; the wildcard covers this stack's id only",
    });
    new CfnOutput(this, STACK_OUTPUTS.operatorPolicyArn, {
      description: 'Attach to the IAM users or roles that run edge-certs',
      value: operators.managedPolicyArn,
    });

    new CfnOutput(this, STACK_OUTPUTS.mtlsEndpoint, {
      description: 'The mTLS endpoint aliases host (Auth0 mtls_endpoint_aliases)',
      value: `https://${config.mtlsDomainName}`,
    });
    new CfnOutput(this, STACK_OUTPUTS.registryTableName, {
      description: 'The certificate registry (edge-certs --table)',
      value: registry.table.tableName,
    });
    if (frontDoor.truststoreBucketName !== undefined) {
      new CfnOutput(this, STACK_OUTPUTS.truststoreBucketName, {
        description: 'The versioned bucket holding the mTLS truststore',
        value: frontDoor.truststoreBucketName,
      });
    }
    new CfnOutput(this, STACK_OUTPUTS.cnameApiKeySecretArn, {
      description: "The secret holding Auth0's CNAME API key",
      value: secret.secretArn,
    });
    new CfnOutput(this, STACK_OUTPUTS.regionalDomainName, {
      description: config.hostedZone
        ? `Target of the alias record ${config.mtlsDomainName}`
        : `Point ${config.mtlsDomainName} here (CNAME or Route 53 alias)`,
      value: frontDoor.dnsTarget,
    });
    if (frontDoor.logsBucketName !== undefined) {
      new CfnOutput(this, STACK_OUTPUTS.loadBalancerLogsBucketName, {
        description: "The load balancer's access, connection and VPC flow logs",
        value: frontDoor.logsBucketName,
      });
    }
  }

  /** API Gateway's Regional custom domain with mTLS, fed by the truststore builder. */
  private apiGatewayFrontDoor(
    config: EdgeConfig,
    props: CustomerEdgeStackProps,
    registry: RegistryTable,
    proxy: ProxyFunction,
  ): FrontDoorParts {
    const truststore = new Truststore(this, 'Truststore', {
      table: registry.table,
      caBundlePath: props.caBundleFile,
      caBundleSha256: createHash('sha256').update(props.caBundlePem).digest('hex'),
      domainName: config.mtlsDomainName,
    });
    const mtls = new MtlsApi(this, 'Mtls', {
      domainName: config.mtlsDomainName,
      certificateArn: config.certificateArn,
      handler: proxy.function,
      routes: Object.fromEntries(config.allowedPaths.map((p) => [p, ALLOWED_METHODS[p]])),
      truststoreBucket: truststore.bucket,
      truststoreKey: truststore.key,
      truststoreVersion: truststore.version,
      hostedZone: config.hostedZone,
      ownershipVerificationCertificateArn: config.ownershipVerificationCertificateArn,
      accountCloudWatchRole: config.apiGatewayCloudWatchRole,
    });
    truststore.reportWarningsOf(mtls.domain);
    const alarmSources: ApiGatewayAlarmSources = {
      kind: 'api-gateway',
      api: mtls.api,
      builder: truststore.builder,
    };
    return {
      alarmSources,
      dnsTarget: mtls.domain.domainNameAliasDomainName,
      truststoreBucketName: truststore.bucket.bucketName,
      truststoreObjectArn: truststore.bucket.arnForObjects(truststore.key),
    };
  }

  /** The Application Load Balancer with mutual TLS passthrough: no truststore, the registry decides. */
  private albFrontDoor(config: EdgeConfig, proxy: ProxyFunction): FrontDoorParts {
    const alb = new AlbFrontDoor(this, 'Alb', {
      domainName: config.mtlsDomainName,
      certificateArn: config.certificateArn,
      handler: proxy.function,
      routes: config.allowedPaths.map((path) => ({
        path,
        methods: ALLOWED_METHODS[path],
        // Fixed per path (its place in EDGE_PATHS), whatever subset is allowed.
        priority: (EDGE_PATHS.indexOf(path) + 1) * 10,
      })),
      hostedZone: config.hostedZone,
      webAclArn: config.albWebAclArn,
      deletionProtection: config.albDeletionProtection,
    });
    proxy.function.addEnvironment(PROXY_ENV.albClientCertHeader, alb.certHeaderName);
    const alarmSources: AlbAlarmSources = {
      kind: 'alb',
      loadBalancer: alb.loadBalancer,
      targetGroup: alb.targetGroup,
    };
    return {
      alarmSources,
      dnsTarget: alb.loadBalancer.loadBalancerDnsName,
      logsBucketName: alb.logsBucket.bucketName,
    };
  }
}

/** What the stack needs of a front door for its alarms and outputs. */
interface FrontDoorParts {
  readonly alarmSources: ApiGatewayAlarmSources | AlbAlarmSources;
  /** Where `mtls.<domain>` points: the `RegionalDomainName` output. */
  readonly dnsTarget: string;
  /** API Gateway only: the truststore bucket. */
  readonly truststoreBucketName?: string;
  /** API Gateway only: the truststore object the operators may read. */
  readonly truststoreObjectArn?: string;
  /** ALB only: the logs bucket. */
  readonly logsBucketName?: string;
}
