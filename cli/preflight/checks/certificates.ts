/**
 * The ACM certificates the stack names: the mTLS domain's (Regional API Gateway or the load balancer: the
 * stack's region), its ownership verification certificate (API Gateway with an imported or private-CA
 * mTLS certificate needs one), and the CloudFront edge's (us-east-1). Each must exist in this account, be
 * ISSUED and cover its host.
 */
import { DescribeCertificateCommand, type CertificateDetail } from '@aws-sdk/client-acm';
import {
  arnAccount,
  arnRegion,
  awsFailure,
  errorName,
  fail,
  pass,
  type CheckEnv,
  type PreflightCheck,
  type Verdict,
} from '../check';
import { namesCover } from '../dns-names';

/** CloudFront only uses ACM certificates from this region. */
const CLOUDFRONT_CERTIFICATE_REGION = 'us-east-1';

/**
 * The key algorithms a load balancer serves (frontDoor=alb): "RSA certificates with 2048, 3072, and
 * 4096-bit key lengths, and all ECDSA certificates"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html).
 */
const ALB_KEY_ALGORITHM = /^(RSA_(2048|3072|4096)|EC_\w+)$/;

interface Wanted {
  /** The context key that names the certificate. */
  readonly key: string;
  readonly arn: string;
  /** The host it must cover. */
  readonly host: string;
  /** The region it must be in. */
  readonly region: string;
}

function requestFix(wanted: Wanted): string {
  return (
    `request a public certificate: aws acm request-certificate --region ${wanted.region} --domain-name ${wanted.host} ` +
    `--validation-method DNS, validate it, and pass its ARN with -c ${wanted.key}=<ARN>`
  );
}

/** Loads the certificate, or the verdict that explains why it is unusable. */
async function describe(env: CheckEnv, wanted: Wanted): Promise<CertificateDetail | Verdict> {
  const owner = arnAccount(wanted.arn);
  if (owner !== env.account) {
    return fail(
      `${wanted.arn} belongs to account ${owner}, the deployment goes to account ${env.account}`,
      `use a certificate of account ${env.account} (AWS services only use certificates of their own account), or run preflight with the credentials you deploy with`,
    );
  }
  if (arnRegion(wanted.arn) !== wanted.region) {
    return fail(
      `${wanted.arn} is in ${arnRegion(wanted.arn)}, it must be in ${wanted.region}`,
      requestFix(wanted),
    );
  }
  try {
    const { Certificate: certificate } = await env.clients
      .acm(wanted.region)
      .send(new DescribeCertificateCommand({ CertificateArn: wanted.arn }));
    if (!certificate) return fail(`${wanted.arn}: ACM returned no certificate`, requestFix(wanted));
    return certificate;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      return fail(`${wanted.arn} does not exist in ${env.account}/${wanted.region}`, requestFix(wanted));
    }
    return awsFailure(wanted.arn, 'acm:DescribeCertificate', error, requestFix(wanted));
  }
}

function isVerdict(value: CertificateDetail | Verdict): value is Verdict {
  return 'ok' in value;
}

function namesOf(certificate: CertificateDetail): string[] {
  const names = certificate.SubjectAlternativeNames ?? [];
  return certificate.DomainName && !names.includes(certificate.DomainName)
    ? [certificate.DomainName, ...names]
    : names;
}

/** ISSUED and covering the host; `extra` adds a rule of its own (undefined: fine). */
function judge(
  certificate: CertificateDetail,
  wanted: Wanted,
  extra?: (certificate: CertificateDetail) => Verdict | undefined,
): Verdict {
  const status = certificate.Status ?? 'UNKNOWN';
  if (status === 'PENDING_VALIDATION') {
    return fail(
      `${wanted.arn} is PENDING_VALIDATION`,
      `create its DNS validation record (aws acm describe-certificate --region ${wanted.region} --certificate-arn ${wanted.arn} --query Certificate.DomainValidationOptions) and wait for ISSUED`,
    );
  }
  if (status !== 'ISSUED') {
    return fail(`${wanted.arn} is ${status}, not ISSUED`, requestFix(wanted));
  }
  const names = namesOf(certificate);
  if (!namesCover(names, wanted.host)) {
    return fail(
      `${wanted.arn} covers ${names.join(', ') || 'no name'}, not ${wanted.host} (a wildcard covers one label: *.${wanted.host.split('.').slice(1).join('.')} covers ${wanted.host}, a wildcard of a shorter parent does not)`,
      requestFix(wanted),
    );
  }
  const verdict = extra?.(certificate);
  if (verdict) return verdict;
  const expires = certificate.NotAfter
    ? `, valid until ${certificate.NotAfter.toISOString().slice(0, 10)}`
    : '';
  return pass(
    `${wanted.arn} is ISSUED (${certificate.Type ?? 'type unknown'}) in ${wanted.region} and covers ${wanted.host}${expires}`,
  );
}

/** The Regional certificate of `mtls.<domainName>`. */
export const mtlsCertificate: PreflightCheck = {
  title: 'mTLS certificate',
  async run(env) {
    const { config } = env;
    const wanted: Wanted = {
      key: 'certificateArn',
      arn: config.certificateArn,
      host: config.mtlsDomainName,
      region: config.region,
    };
    const certificate = await describe(env, wanted);
    if (isVerdict(certificate)) return certificate;
    const verdict = judge(certificate, wanted, (c) => {
      // API Gateway: "Only required when configuring mutual TLS and using an ACM imported or private CA
      // certificate ARN as the regionalCertificateArn" (DomainName.ownershipVerificationCertificateArn).
      // A load balancer (frontDoor=alb) serves such a certificate as it is.
      if (
        config.frontDoor === 'api-gateway' &&
        (c.Type === 'IMPORTED' || c.Type === 'PRIVATE') &&
        !config.ownershipVerificationCertificateArn
      ) {
        return fail(
          `${wanted.arn} is ${c.Type}: API Gateway needs an ownership verification certificate for mTLS with it`,
          `request a public ACM certificate for ${config.mtlsDomainName} in ${config.region} and pass it with -c ownershipVerificationCertificateArn=<ARN>`,
        );
      }
      if (config.frontDoor === 'alb' && c.KeyAlgorithm && !ALB_KEY_ALGORITHM.test(c.KeyAlgorithm)) {
        return fail(
          `${wanted.arn} has a ${c.KeyAlgorithm} key: a load balancer serves RSA 2048, 3072 or 4096 and ECDSA keys only`,
          requestFix(wanted),
        );
      }
      return undefined;
    });
    // With an ECDSA key the listener negotiates only the ECDHE-ECDSA suites on TLS 1.2, which FAPI 1
    // Advanced §8.5 does not list (docs/front-doors.md#fapi-the-tls-each-door-offers).
    return verdict.ok && config.frontDoor === 'alb' && certificate.KeyAlgorithm?.startsWith('EC_')
      ? pass(
          `${verdict.message}; note: its ${certificate.KeyAlgorithm} key meets FAPI 2 but not FAPI 1 Advanced (TLS 1.2 then offers only ECDHE-ECDSA suites): use an RSA certificate for FAPI 1 Advanced`,
        )
      : verdict;
  },
};

/** The ACM-issued certificate that proves ownership of an imported or private-CA mTLS certificate. */
export const ownershipVerificationCertificate: PreflightCheck = {
  title: 'ownership verification certificate',
  notApplicable: (config) =>
    config.frontDoor === 'alb'
      ? 'frontDoor=alb: the load balancer needs none (it serves imported and private-CA certificates as they are)'
      : config.ownershipVerificationCertificateArn
        ? undefined
        : 'none given (needed only for imported or private-CA certificates)',
  async run(env) {
    const { config } = env;
    const wanted: Wanted = {
      key: 'ownershipVerificationCertificateArn',
      arn: config.ownershipVerificationCertificateArn ?? '',
      host: config.mtlsDomainName,
      region: config.region,
    };
    const certificate = await describe(env, wanted);
    if (isVerdict(certificate)) return certificate;
    return judge(certificate, wanted, (c) =>
      c.Type === 'AMAZON_ISSUED'
        ? undefined
        : fail(
            `${wanted.arn} is ${c.Type}: an ownership verification certificate must be issued by ACM`,
            requestFix(wanted),
          ),
    );
  },
};

/** The CloudFront edge's certificate of `<domainName>`. */
export const customDomainCertificate: PreflightCheck = {
  title: 'custom domain certificate',
  notApplicable: (config) =>
    config.customDomainCertificateArn ? undefined : 'none given (the stack provisions no CloudFront edge)',
  async run(env) {
    const { config } = env;
    const wanted: Wanted = {
      key: 'customDomainCertificateArn',
      arn: config.customDomainCertificateArn ?? '',
      host: config.domainName,
      region: CLOUDFRONT_CERTIFICATE_REGION,
    };
    const certificate = await describe(env, wanted);
    return isVerdict(certificate) ? certificate : judge(certificate, wanted);
  },
};
