/**
 * The edge's alarms, all to one SNS topic (TLS enforced, encrypted with a key CloudWatch may use):
 * proxy errors and throttles, and per front door: with API Gateway its 5xx answers, truststore build
 * failures, registry entries left out of the truststore, and truststore warnings; with the load balancer its own and the proxy's 5xx answers, failed
 * Lambda invocations, refused TLS handshakes and connections.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BUILDER_SERVICE_NAME, BuilderMetric } from '../shared/contracts/truststore-builder';
import { METRICS_NAMESPACE } from '../shared/contracts/telemetry';

/** The API Gateway front door: its REST API and the truststore builder that feeds its domain. */
export interface ApiGatewayAlarmSources {
  readonly kind: 'api-gateway';
  readonly api: apigateway.RestApi;
  readonly builder: lambda.IFunction;
}

/** The load balancer front door: the ALB and the proxy's target group. */
export interface AlbAlarmSources {
  readonly kind: 'alb';
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly targetGroup: elbv2.IApplicationTargetGroup;
}

export interface EdgeAlarmsProps {
  readonly proxy: lambda.IFunction;
  readonly frontDoor: ApiGatewayAlarmSources | AlbAlarmSources;
  /** @default - no subscription; subscribe to the topic yourself */
  readonly email?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * Refused TLS handshakes per period above which the ALB alarm fires. An internet-facing endpoint sees
 * some from scanners all the time; a burst beyond that is clients that cannot negotiate the FAPI suites
 * (after a client library change) or a handshake flood.
 */
export const TLS_NEGOTIATION_ERRORS_THRESHOLD = 50;

export class EdgeAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: EdgeAlarmsProps) {
    super(scope, id);

    // Only this stack's alarms, on behalf of this account (confused deputy): CloudFormation names
    // them `<stack name>-<logical id>-<suffix>`.
    const stack = Stack.of(this);
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${stack.stackName}-*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed aws/sns key: a customer key
    // whose policy lets CloudWatch use it ("Enable compatibility between event sources from AWS
    // services and encrypted topics",
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Customer edge alarms topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Customer edge alarms',
      enforceSSL: true,
      masterKey: key,
    });
    // The topic policy must let CloudWatch publish: without it the alarms fire and nothing is delivered.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    this.add(
      'ProxyErrors',
      props.proxy.metricErrors({ period: PERIOD }),
      'The proxy Lambda threw or timed out',
    );
    this.add(
      'ProxyThrottles',
      props.proxy.metricThrottles({ period: PERIOD }),
      'The proxy Lambda was throttled',
    );
    if (props.frontDoor.kind === 'api-gateway') this.apiGatewayAlarms(props.frontDoor);
    else this.albAlarms(props.frontDoor);
  }

  private apiGatewayAlarms({ api, builder }: ApiGatewayAlarmSources): void {
    const builderMetric = (metricName: BuilderMetric): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: BUILDER_SERVICE_NAME },
        statistic: cloudwatch.Stats.SUM,
        period: PERIOD,
      });
    this.add(
      'Api5xx',
      api.metricServerError({ period: PERIOD }),
      'The mTLS API answered 5xx (secret not filled, registry or Auth0 unavailable, timeouts)',
    );
    this.add(
      'TruststoreBuildFailures',
      builderMetric(BuilderMetric.Failures),
      'A truststore build was refused or failed: nothing was published, API Gateway still uses the previous truststore',
    );
    this.add(
      'TruststoreBuilderErrors',
      builder.metricErrors({ period: PERIOD }),
      'The truststore builder Lambda crashed',
    );
    this.add(
      'TruststoreExclusions',
      builderMetric(BuilderMetric.Exclusions),
      'Registry entries were left out of the truststore (the builder log names each and why; edge-certs list shows them): the rest was published',
    );
    this.add(
      'TruststoreWarnings',
      builderMetric(BuilderMetric.Warnings),
      'The truststore has warnings (a certificate expiring soon, or API Gateway truststoreWarnings)',
    );
  }

  /** Metrics: ELB user guide, "CloudWatch metrics for your Application Load Balancer". */
  private albAlarms({ loadBalancer, targetGroup }: AlbAlarmSources): void {
    const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
    this.add(
      'AlbElb5xx',
      loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, sum),
      'The load balancer answered 5xx itself (the proxy failed, timed out or gave an answer it could not relay)',
    );
    this.add(
      'AlbTarget5xx',
      loadBalancer.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, sum),
      'The proxy answered 5xx (secret not filled, registry or Auth0 unavailable, timeouts)',
    );
    this.add(
      'AlbLambdaUserErrors',
      targetGroup.metrics.custom('LambdaUserError', sum),
      'The load balancer could not use the proxy: not allowed to invoke it, throttled, an invalid answer, or a request or answer over 1 MB',
    );
    this.add(
      'AlbLambdaInternalErrors',
      targetGroup.metrics.custom('LambdaInternalError', sum),
      'Invoking the proxy failed inside the load balancer or AWS Lambda',
    );
    this.add(
      'AlbRejectedConnections',
      loadBalancer.metrics.rejectedConnectionCount(sum),
      'The load balancer refused connections: it had reached its maximum number of connections',
    );
    this.add(
      'AlbTlsNegotiationErrors',
      loadBalancer.metrics.clientTlsNegotiationErrorCount(sum),
      `More than ${TLS_NEGOTIATION_ERRORS_THRESHOLD - 1} TLS handshakes failed in 5 minutes: clients without the TLS 1.3 or TLS 1.2 ECDHE AES-GCM suites, or a handshake flood`,
      TLS_NEGOTIATION_ERRORS_THRESHOLD,
    );
  }

  private add(id: string, metric: cloudwatch.IMetric, description: string, threshold = 1): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
