import * as path from 'node:path';
import { Duration, RemovalPolicy, SecretValue, Token, Validations } from 'aws-cdk-lib';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CUSTOM_DOMAIN_CLIENT_IP_HEADER } from '../shared/contracts/proxy';

/** The CloudFront Function (cloudfront-js-2.0) run on every viewer request of the custom domain. */
export const VIEWER_REQUEST_FUNCTION_FILE = path.join(
  __dirname,
  '..',
  'lambda',
  'cloudfront',
  'viewer-request.js',
);

/** Auth0 refuses a reverse-proxied request without the custom domain's API key in this header. */
const API_KEY_HEADER = 'cname-api-key';

export interface CustomDomainEdgeProps {
  /** The Auth0 custom domain this distribution answers on, e.g. `auth.example.com`. */
  readonly domainName: string;

  /**
   * ACM certificate for `domainName`. CloudFront only accepts certificates in us-east-1; an imported
   * `Certificate.fromCertificateArn(...)` works from a stack in any region.
   */
  readonly certificate: ICertificate;

  /** The Auth0 custom domain's forwarding target (`origin_domain_name`): a host name, no scheme, no path. */
  readonly forwardingTargetHost: string;

  /**
   * The secret that holds the custom domain's API key. It reaches CloudFront through a CloudFormation
   * dynamic reference (`{{resolve:secretsmanager:...}}`), so the value is never in the template.
   */
  readonly apiKeySecret: ISecret;

  /**
   * JSON key of the API key inside the secret, for a secret stored as `{"cname_api_key":"..."}`.
   * CloudFormation cannot try both forms: a JSON field reference on a plain-text secret fails the
   * deployment, and a whole-string reference on a JSON secret sends the JSON as the key.
   *
   * @default - the whole SecretString is the API key (a plain-text secret)
   */
  readonly apiKeyJsonField?: string;

  /**
   * Pin the secret version the dynamic reference resolves. CloudFormation resolves a dynamic reference
   * only when the resource is created or updated, so after rotating the key, deploying with the new
   * version's id is what makes CloudFront send the new value.
   *
   * @default - the version labelled AWSCURRENT when CloudFormation last updated the distribution
   */
  readonly apiKeySecretVersionId?: string;

  /**
   * Create `A` and `AAAA` alias records for `domainName` in this zone.
   *
   * @default - no DNS records: point `domainName` at `distributionDomainName` yourself
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * Bucket for CloudFront standard access logs. It must allow ACLs (object ownership
   * BucketOwnerPreferred or ObjectWriter), as CloudFront writes its logs with an ACL.
   *
   * @default - a new private, encrypted bucket whose log objects expire after `logRetention`
   */
  readonly logBucket?: s3.IBucket;

  /**
   * How long the created log bucket keeps access logs. Ignored when `logBucket` is given.
   *
   * @default Duration.days(90)
   */
  readonly logRetention?: Duration;

  /**
   * ARN of an AWS WAF web ACL with scope CLOUDFRONT (it must be created in us-east-1).
   *
   * @default - no web ACL; Auth0's own attack protection (brute-force, suspicious-IP throttling, bot
   * detection) applies at the origin
   */
  readonly webAclArn?: string;
}

/**
 * The Auth0 custom domain's own edge: a CloudFront distribution for `<domainName>` in front of the
 * forwarding target, as Auth0's CloudFront reverse-proxy recipe describes, plus what that recipe leaves
 * out: a viewer-request function that deletes client-sent `client-certificate`,
 * `client-certificate-ca-verified` and `cname-api-key` headers (the same forwarding target and API key
 * serve the mTLS host, so a forged `SUCCESS` here would bypass mTLS) and sets `true-client-ip` to the
 * viewer address, and security response headers for Auth0's browser pages.
 */
export class CustomDomainEdge extends Construct {
  /** The distribution serving `domainName`. */
  public readonly distribution: cloudfront.Distribution;

  /** The distribution's own domain name (`dxxxx.cloudfront.net`): the target of `domainName`'s DNS. */
  public readonly distributionDomainName: string;

  /** The bucket receiving the distribution's standard access logs. */
  public readonly logBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: CustomDomainEdgeProps) {
    super(scope, id);
    validateHost('domainName', props.domainName);
    validateHost('forwardingTargetHost', props.forwardingTargetHost);

    const apiKey = SecretValue.secretsManager(props.apiKeySecret.secretArn, {
      jsonField: props.apiKeyJsonField,
      versionId: props.apiKeySecretVersionId,
    });

    const origin = new HttpOrigin(props.forwardingTargetHost, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      // CloudFront overwrites a viewer header of the same name with an origin custom header; the
      // viewer-request function deletes client copies anyway.
      customHeaders: { [API_KEY_HEADER]: apiKey.unsafeUnwrap() },
    });

    const viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromFile({ filePath: VIEWER_REQUEST_FUNCTION_FILE }),
      comment: `Strip forged mTLS, API key and client IP headers; set ${CUSTOM_DOMAIN_CLIENT_IP_HEADER}`,
    });

    const responseHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Security headers for the Auth0 custom domain (Auth0 keeps its own CSP)',
      securityHeadersBehavior: {
        // This edge owns TLS for the host, so HSTS is ours to set, always.
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        // Auth0 decides framing and referrer policy for its own pages; these apply only when it sends none.
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: false },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: false,
        },
      },
    });

    this.logBucket =
      props.logBucket ??
      new s3.Bucket(this, 'AccessLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        // CloudFront standard logging writes objects with an ACL.
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        lifecycleRules: [{ expiration: props.logRetention ?? Duration.days(90) }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
    if (!props.logBucket) {
      Validations.of(this.logBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'This bucket is the destination of the distribution access logs; logging its own access into a further bucket adds nothing for this edge.',
      });
    }

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Auth0 custom domain ${props.domainName}`,
      domainNames: [props.domainName],
      certificate: props.certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      sslSupportMethod: cloudfront.SSLMethod.SNI,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logBucket,
      logIncludesCookies: false,
      webAclId: props.webAclArn,
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // Auth0's recipe: every viewer header, query string and cookie, but Host is the origin's own.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: responseHeaders,
        functionAssociations: [
          { function: viewerRequest, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
    });
    this.distributionDomainName = this.distribution.distributionDomainName;

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'The Auth0 login and token endpoints serve a global user base; blocking countries is a business decision, not a default of this edge.',
    });
    if (props.webAclArn === undefined) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'Auth0 applies its own attack protection at the origin; a CLOUDFRONT-scope web ACL must live in us-east-1, so it is opt-in through webAclArn.',
      });
    }

    if (props.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new CloudFrontTarget(this.distribution));
      new route53.ARecord(this, 'AliasA', { zone: props.hostedZone, recordName: props.domainName, target });
      new route53.AaaaRecord(this, 'AliasAaaa', {
        zone: props.hostedZone,
        recordName: props.domainName,
        target,
      });
    }
  }
}

function validateHost(name: string, value: string): void {
  if (Token.isUnresolved(value)) return;
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(value)) {
    throw new Error(
      `CustomDomainEdge: ${name} must be a host name without scheme, port or path (got "${value}")`,
    );
  }
}
