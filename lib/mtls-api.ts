/**
 * The mTLS front door: a REST API reachable only through the Regional custom domain `mtls.<domain>`
 * (the default execute-api endpoint is disabled, or clients would bypass mTLS), with resources for the
 * allowed paths only, each a Lambda proxy integration to the proxy function.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { HostedZoneConfig } from './config';
import { aliasRecord } from './dns';

export interface MtlsApiProps {
  /** `mtls.<domain>`. */
  readonly domainName: string;
  /** ACM certificate ARN for `domainName`, in the stack's region. */
  readonly certificateArn: string;
  readonly handler: lambda.IFunction;
  /** Path → HTTP methods exposed (e.g. `/oauth/token` → POST). */
  readonly routes: Readonly<Record<string, readonly string[]>>;
  readonly truststoreBucket: s3.IBucket;
  readonly truststoreKey: string;
  /** The truststore object version the domain uses (from the truststore custom resource). */
  readonly truststoreVersion: string;
  /** @default - no DNS record */
  readonly hostedZone?: HostedZoneConfig;
  /** A public ACM certificate proving ownership of the domain (imported or private-CA `certificateArn`). */
  readonly ownershipVerificationCertificateArn?: string;
  /**
   * API Gateway's account-level CloudWatch Logs role, which the stage's access logging needs ("CloudWatch
   * Logs role ARN must be set in account settings to enable logging"): `create` sets it (role +
   * AWS::ApiGateway::Account, both retained on deletion: other APIs of the account rely on the setting);
   * `existing` leaves it to the account.
   */
  readonly accountCloudWatchRole: 'create' | 'existing';
  /** @default 100 requests per second (steady state, per stage) */
  readonly throttlingRateLimit?: number;
  /** @default 200 */
  readonly throttlingBurstLimit?: number;
}

/** One JSON line per request: who connected (the client certificate), what they asked, what happened. */
export const ACCESS_LOG_FIELDS = {
  requestId: apigateway.AccessLogField.contextRequestId(),
  extendedRequestId: apigateway.AccessLogField.contextExtendedRequestId(),
  requestTime: apigateway.AccessLogField.contextRequestTime(),
  sourceIp: apigateway.AccessLogField.contextIdentitySourceIp(),
  httpMethod: apigateway.AccessLogField.contextHttpMethod(),
  path: apigateway.AccessLogField.contextPath(),
  protocol: apigateway.AccessLogField.contextProtocol(),
  status: apigateway.AccessLogField.contextStatus(),
  responseLength: apigateway.AccessLogField.contextResponseLength(),
  responseLatency: apigateway.AccessLogField.contextResponseLatency(),
  integrationLatency: apigateway.AccessLogField.contextIntegrationLatency(),
  integrationStatus: apigateway.AccessLogField.contextIntegrationStatus(),
  errorMessage: apigateway.AccessLogField.contextErrorMessage(),
  domainName: apigateway.AccessLogField.contextDomainName(),
  clientCertSubjectDN: apigateway.AccessLogField.contextIdentityClientCertSubjectDN(),
  clientCertIssuerDN: apigateway.AccessLogField.contextIdentityClientCertIssunerDN(),
  clientCertSerialNumber: apigateway.AccessLogField.contextIdentityClientCertSerialNumber(),
  clientCertNotBefore: apigateway.AccessLogField.contextIdentityClientCertValidityNotBefore(),
  clientCertNotAfter: apigateway.AccessLogField.contextIdentityClientCertValidityNotAfter(),
} as const;

export class MtlsApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly domain: apigateway.DomainName;
  readonly accessLogs: logs.LogGroup;
  readonly record?: route53.ARecord;

  constructor(scope: Construct, id: string, props: MtlsApiProps) {
    super(scope, id);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      description: `Customer edge: mTLS endpoint aliases of ${props.domainName}`,
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Only the mTLS custom domain may reach the API.
      disableExecuteApiEndpoint: true,
      // Bodies arrive base64-encoded and are relayed byte-exact.
      binaryMediaTypes: ['*/*'],
      // The account's logging role: API Gateway writes the stage's access logs with it.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
      cloudWatchRole: props.accountCloudWatchRole === 'create',
      ...(props.accountCloudWatchRole === 'create'
        ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }
        : {}),
      deployOptions: {
        stageName: 'live',
        throttlingRateLimit: props.throttlingRateLimit ?? 100,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
        tracingEnabled: true,
        metricsEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // The execute-api URL output would advertise an endpoint that is disabled (and must stay unused).
    this.api.node.tryRemoveChild('Endpoint');
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        "The proxy relays OAuth requests byte-exact to Auth0, which validates them; an API Gateway request validator would duplicate (and could drift from) Auth0's validation",
    });
    const accountRole = this.api.node.tryFindChild('CloudWatchRole');
    if (accountRole) {
      Validations.of(accountRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "The account-level API Gateway logging role serves every API of the account and region, so it cannot be scoped to this stack's log groups; AWS's managed policy is the one API Gateway documents for it",
      });
    }
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'JSON access logs record every request with the client certificate; execution logging would add little and its data trace would log request bodies (client assertions). Both kinds of logging need the account-level CloudWatch Logs role (apiGatewayCloudWatchRole)',
    });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'mTLS rejects clients without a trusted certificate in the TLS handshake, the stage is throttled and Auth0 applies its attack protection; attach a WAF web ACL to the stage if your policy requires one',
    });

    const integration = new apigateway.LambdaIntegration(props.handler, {
      proxy: true,
      allowTestInvoke: false,
    });
    for (const [routePath, methods] of Object.entries(props.routes)) {
      const resource = this.api.root.resourceForPath(routePath);
      for (const method of methods) {
        const created = resource.addMethod(method, integration);
        for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
          Validations.of(created).acknowledge({
            id,
            reason:
              "Clients authenticate with their certificate (mTLS at the custom domain, then the proxy's registry decision) and to Auth0 with OAuth client authentication; an API Gateway authorizer has nothing to add",
          });
        }
      }
    }

    this.domain = new apigateway.DomainName(this, 'Domain', {
      domainName: props.domainName,
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      endpointType: apigateway.EndpointType.REGIONAL,
      // The only policy API Gateway accepts together with mTLS (TLS 1.2 + 1.3).
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
      mtls: { bucket: props.truststoreBucket, key: props.truststoreKey, version: props.truststoreVersion },
    });
    if (props.ownershipVerificationCertificateArn) {
      // Imported or private-CA certificates: mTLS needs a public ACM certificate proving ownership
      // (AWS::ApiGateway::DomainName OwnershipVerificationCertificateArn; the L2 has no prop for it).
      (this.domain.node.defaultChild as apigateway.CfnDomainName).ownershipVerificationCertificateArn =
        props.ownershipVerificationCertificateArn;
    }
    this.domain.addBasePathMapping(this.api, { stage: this.api.deploymentStage });

    if (props.hostedZone) {
      this.record = aliasRecord(
        this,
        props.hostedZone,
        props.domainName,
        new route53Targets.ApiGatewayDomain(this.domain),
      );
    }
  }
}
