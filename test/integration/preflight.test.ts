/**
 * `edge-certs preflight` against AWS control planes that have no local stand-in here: STS, ACM, API
 * Gateway (account settings), CloudFormation (the bootstrap stack with status, outputs and parameters),
 * Lambda (account settings), Route 53, Secrets Manager (GetSecretValue and DescribeSecret) and KMS, all
 * as SDK mocks (aws-sdk-client-mock), named so in every title. The CA bundle is a real file of
 * certificates made here, the context comes from real `-c` flags and `cdk.json`, and public DNS is an
 * injected resolver. A passing account, then one failing account per check: each must fail exactly its
 * own check, name the problem and the fix, and exit 1.
 */
import { ACMClient, DescribeCertificateCommand, type CertificateDetail } from '@aws-sdk/client-acm';
import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, KMSClient, type KeyMetadata } from '@aws-sdk/client-kms';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { lambdaConcurrencyFor } from '../../cli/preflight/checks/account';
import { createPreflightClients } from '../../cli/preflight/clients';
import { preflightConfig } from '../../cli/preflight/config';
import { runPreflight } from '../../cli/preflight/run';
import { createCertificate, createTestPki } from '../../stand-ins/pki';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const CERT = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/0000-mtls`;
const OWNERSHIP_CERT = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/0000-ownership`;
const EDGE_CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0000-edge`;
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:auth0-cname-api-key-AbCdEf`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ZONE = 'Z0123456789ABCDEFGHIJ';
const NAME_SERVERS = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk'];
const API_KEY = 'k-preflight-0123456789';
const DAY = 86_400_000;

const REQUIRED = [
  'domainName=auth.example.com',
  `certificateArn=${CERT}`,
  'forwardingTarget=acme-cd-x.edge.tenants.eu.auth0.com',
  'caBundle=ca.pem',
];
/** Every optional key that gives preflight something to check. */
const FULL = [
  ...REQUIRED,
  `hostedZoneId=${ZONE}`,
  'hostedZoneName=example.com',
  `cnameApiKeySecretArn=${SECRET}`,
  `cnameApiKeySecretKmsKeyArn=${KEY}`,
  `customDomainCertificateArn=${EDGE_CERT}`,
  'clientIpHeader=true-client-ip',
  `ownershipVerificationCertificateArn=${OWNERSHIP_CERT}`,
  'apiGatewayCloudWatchRole=existing',
];

/** FULL with some keys replaced (`key=value`) or dropped (`key=`). */
function withContext(...changes: string[]): string[] {
  const keys = new Map(FULL.map((kv) => [kv.slice(0, kv.indexOf('=')), kv]));
  for (const change of changes) {
    const key = change.slice(0, change.indexOf('='));
    if (change.endsWith('=')) keys.delete(key);
    else keys.set(key, change);
  }
  return [...keys.values()];
}

const sts = mockClient(STSClient);
const acm = mockClient(ACMClient);
const apiGateway = mockClient(APIGatewayClient);
const cloudFormation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const route53 = mockClient(Route53Client);
const secretsManager = mockClient(SecretsManagerClient);
const kms = mockClient(KMSClient);
const ALL_MOCKS = [sts, acm, apiGateway, cloudFormation, lambda, route53, secretsManager, kms];

function certificate(
  arn: string,
  names: string[],
  detail: Partial<CertificateDetail> = {},
): CertificateDetail {
  return {
    CertificateArn: arn,
    DomainName: names[0],
    SubjectAlternativeNames: names,
    Status: 'ISSUED',
    Type: 'AMAZON_ISSUED',
    NotAfter: new Date(Date.now() + 300 * DAY),
    ...detail,
  };
}

function bootstrapStack(detail: Partial<Stack> = {}): Stack {
  return {
    StackName: 'CDKToolkit',
    StackStatus: 'UPDATE_COMPLETE',
    CreationTime: new Date('2025-01-01T00:00:00Z'),
    Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '30' }],
    Parameters: [{ ParameterKey: 'Qualifier', ParameterValue: 'hnb659fds' }],
    ...detail,
  };
}

function customerKey(detail: Partial<KeyMetadata> = {}): KeyMetadata {
  return {
    KeyId: KEY.split('/')[1],
    Arn: KEY,
    KeyManager: 'CUSTOMER',
    KeyState: 'Enabled',
    Enabled: true,
    ...detail,
  };
}

/** An account where everything FULL names exists and is right. */
function passingAccount(): void {
  for (const mock of ALL_MOCKS) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ops` });
  acm
    .on(DescribeCertificateCommand, { CertificateArn: CERT })
    .resolves({ Certificate: certificate(CERT, ['mtls.auth.example.com'], { Type: 'IMPORTED' }) })
    .on(DescribeCertificateCommand, { CertificateArn: OWNERSHIP_CERT })
    .resolves({ Certificate: certificate(OWNERSHIP_CERT, ['*.auth.example.com']) })
    .on(DescribeCertificateCommand, { CertificateArn: EDGE_CERT })
    .resolves({ Certificate: certificate(EDGE_CERT, ['auth.example.com', 'www.example.com']) });
  cloudFormation
    .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
    .resolves({ Stacks: [bootstrapStack()] });
  apiGateway
    .on(GetAccountCommand)
    .resolves({ cloudwatchRoleArn: `arn:aws:iam::${ACCOUNT}:role/apigateway-logs` });
  lambda
    .on(GetAccountSettingsCommand)
    .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  route53.on(GetHostedZoneCommand, { Id: ZONE }).resolves({
    HostedZone: {
      Id: `/hostedzone/${ZONE}`,
      Name: 'example.com.',
      CallerReference: 'ref',
      Config: { PrivateZone: false },
    },
    DelegationSet: { NameServers: NAME_SERVERS },
  });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: SECRET })
    .resolves({ ARN: SECRET, SecretString: API_KEY })
    .on(DescribeSecretCommand, { SecretId: SECRET })
    .resolves({ ARN: SECRET, KmsKeyId: KEY });
  kms.on(DescribeKeyCommand, { KeyId: KEY }).resolves({ KeyMetadata: customerKey() });
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

let dir: string;
let caBundlePem: string;
let expiredBundlePem: string;
let lookups: string[];
let resolveNs: (name: string) => Promise<string[]>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'preflight-'));
  caBundlePem = (await createTestPki('Preflight')).caBundlePem;
  const expired = await createCertificate({
    subject: 'CN=Expired Root CA, O=Preflight',
    ca: true,
    notBefore: new Date(Date.now() - 400 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  expiredBundlePem = expired.pem;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  writeFileSync(join(dir, 'ca.pem'), caBundlePem);
  rmSync(join(dir, 'cdk.json'), { force: true });
  lookups = [];
  resolveNs = (name) => {
    lookups.push(name);
    return Promise.resolve(name === 'example.com' ? [...NAME_SERVERS].reverse() : []);
  };
  passingAccount();
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: string[];
}

async function preflight(context: readonly string[], extra: readonly string[] = []): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(['preflight', ...context.flatMap((kv) => ['-c', kv]), ...extra], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd: dir,
    resolveNs: (name) => resolveNs(name),
  });
  return { code, stdout, stderr, lines: stdout.split('\n').filter(Boolean) };
}

function checkLine(run: Run, title: string): string {
  const line = run.lines.find((l) => l.slice(2).startsWith(`${title}:`));
  if (!line) throw new Error(`no line for "${title}" in:\n${run.stdout}${run.stderr}`);
  return line;
}

const failures = (run: Run): string[] => run.lines.filter((l) => l.startsWith('✗'));

describe('preflight: a passing account (STS, ACM, API Gateway, CloudFormation, Lambda, Route 53, Secrets Manager, KMS as SDK mocks)', () => {
  it('prints one ✓ line per check with every optional key set, names the account and region, exits 0', async () => {
    const run = await preflight(FULL);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines[0]).toBe(
      `preflight: account ${ACCOUNT}, region ${REGION} (the region of certificateArn), as arn:aws:iam::${ACCOUNT}:user/ops`,
    );
    const checks = run.lines.slice(1, -1);
    expect(checks).toHaveLength(10);
    expect(checks.every((l) => l.startsWith('✓ '))).toBe(true);
    expect(run.lines.at(-1)).toBe(`preflight: all 10 checks passed in ${ACCOUNT}/${REGION}`);
    expect(checkLine(run, 'mTLS certificate')).toContain('covers mtls.auth.example.com');
    expect(checkLine(run, 'CDK bootstrap')).toContain('version 30 (this app needs 6 or later)');
    expect(checkLine(run, 'hosted zone')).toContain('delegated to its name servers');
    expect(lookups).toEqual(['example.com']);
  });

  it('never prints the API key it reads from the secret (SDK mock of Secrets Manager)', async () => {
    const run = await preflight(FULL);
    expect(checkLine(run, 'CNAME API key secret')).toContain(
      'holds a usable API key (plain text; value not shown)',
    );
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
  });

  it('asks ACM in us-east-1 for the CloudFront certificate and in the stack region for the others (SDK mock of ACM)', async () => {
    await preflight(FULL);
    const regions = await Promise.all(
      acm
        .commandCalls(DescribeCertificateCommand)
        .map(async (call) => [
          call.args[0].input.CertificateArn,
          await (call.thisValue as ACMClient).config.region(),
        ]),
    );
    expect(Object.fromEntries(regions)).toEqual({
      [CERT]: REGION,
      [OWNERSHIP_CERT]: REGION,
      [EDGE_CERT]: 'us-east-1',
    });
  });

  it('with only the required keys, the optional checks say what they skip and pass (SDK mocks)', async () => {
    acm
      .on(DescribeCertificateCommand, { CertificateArn: CERT })
      .resolves({ Certificate: certificate(CERT, ['*.auth.example.com']) });
    apiGateway.on(GetAccountCommand).resolves({});
    const run = await preflight(REQUIRED);
    expect(failures(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(checkLine(run, 'hosted zone')).toContain('none given');
    expect(checkLine(run, 'CNAME API key secret')).toContain('the stack creates an empty secret');
    expect(checkLine(run, 'API Gateway CloudWatch Logs role')).toContain(
      'not set in eu-west-1; the stack sets it',
    );
    expect(route53.calls()).toHaveLength(0);
    expect(secretsManager.calls()).toHaveLength(0);
    expect(lookups).toEqual([]);
  });

  it('reads the context from cdk.json like cdk deploy does: the command you deploy with is the one checked (SDK mocks)', async () => {
    const context = Object.fromEntries(
      FULL.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'npx tsx bin/app.ts', context }));
    expect((await preflight([])).code).toBe(0);
    // -c wins over cdk.json, as with cdk.
    const run = await preflight(['apiGatewayCloudWatchRole=create']);
    expect(checkLine(run, 'API Gateway CloudWatch Logs role')).toContain('the stack sets it to its own role');
  });

  it('apiGatewayCloudWatchRole=create over an existing, different role: ✓ with a note that the stack sets its own (SDK mock of API Gateway)', async () => {
    const run = await preflight(withContext('apiGatewayCloudWatchRole=create'));
    expect(run.code).toBe(0);
    expect(checkLine(run, 'API Gateway CloudWatch Logs role')).toBe(
      `✓ API Gateway CloudWatch Logs role: set to arn:aws:iam::${ACCOUNT}:role/apigateway-logs; the stack sets it to its own role (apiGatewayCloudWatchRole=create; -c apiGatewayCloudWatchRole=existing keeps yours)`,
    );
  });

  it('--no-dns checks the zone without a public lookup (SDK mock of Route 53)', async () => {
    const run = await preflight(FULL, ['--no-dns']);
    expect(run.code).toBe(0);
    expect(checkLine(run, 'hosted zone')).toContain('public delegation not checked (--no-dns)');
    expect(lookups).toEqual([]);
  });
});

interface FailingAccount {
  /** The check that must fail, and only it. */
  readonly title: string;
  readonly problem: RegExp;
  readonly fix: RegExp;
  readonly context?: readonly string[];
  /** Changes the passing account. */
  arrange?(): void;
}

const FAILING_ACCOUNTS: Record<string, FailingAccount> = {
  'the CA bundle holds an expired CA': {
    title: 'CA bundle',
    arrange: () => writeFileSync(join(dir, 'ca.pem'), expiredBundlePem),
    problem: /not a usable CA bundle \(expired: .*Expired Root CA/,
    fix: /edge-certs truststore check/,
  },
  'the CA bundle file is not there': {
    title: 'CA bundle',
    arrange: () => rmSync(join(dir, 'ca.pem')),
    problem: /^Context key "caBundle": cannot read "ca\.pem" \(ENOENT\)$/,
    fix: /^-c caBundle=<path of your client CA bundle PEM>$/,
  },
  'the mTLS certificate is PENDING_VALIDATION (SDK mock of ACM)': {
    title: 'mTLS certificate',
    arrange: () =>
      acm.on(DescribeCertificateCommand, { CertificateArn: CERT }).resolves({
        Certificate: certificate(CERT, ['mtls.auth.example.com'], { Status: 'PENDING_VALIDATION' }),
      }),
    problem: /is PENDING_VALIDATION/,
    fix: /DomainValidationOptions/,
  },
  'the mTLS certificate is a wildcard of the parent domain, *.example.com (SDK mock of ACM)': {
    title: 'mTLS certificate',
    arrange: () =>
      acm
        .on(DescribeCertificateCommand, { CertificateArn: CERT })
        .resolves({ Certificate: certificate(CERT, ['example.com', '*.example.com']) }),
    problem:
      /covers example\.com, \*\.example\.com, not mtls\.auth\.example\.com \(a wildcard covers one label: \*\.auth\.example\.com covers mtls\.auth\.example\.com/,
    fix: /aws acm request-certificate --region eu-west-1 --domain-name mtls\.auth\.example\.com/,
  },
  'the mTLS certificate does not exist in this account and region (SDK mock of ACM)': {
    title: 'mTLS certificate',
    arrange: () =>
      acm
        .on(DescribeCertificateCommand, { CertificateArn: CERT })
        .rejects(awsError('ResourceNotFoundException', `Could not find certificate ${CERT}.`)),
    problem: /does not exist in 111111111111\/eu-west-1/,
    fix: /-c certificateArn=<ARN>/,
  },
  "the mTLS certificate is another account's (SDK mock of STS)": {
    title: 'mTLS certificate',
    context: withContext(`certificateArn=arn:aws:acm:${REGION}:222222222222:certificate/0000-mtls`),
    problem: /belongs to account 222222222222, the deployment goes to account 111111111111/,
    fix: /use a certificate of account 111111111111/,
  },
  'the mTLS certificate is imported and no ownership verification certificate is given (SDK mock of ACM)': {
    title: 'mTLS certificate',
    context: withContext('ownershipVerificationCertificateArn='),
    problem: /is IMPORTED: API Gateway needs an ownership verification certificate/,
    fix: /-c ownershipVerificationCertificateArn=<ARN>/,
  },
  'the ownership verification certificate is not issued by ACM (SDK mock of ACM)': {
    title: 'ownership verification certificate',
    arrange: () =>
      acm.on(DescribeCertificateCommand, { CertificateArn: OWNERSHIP_CERT }).resolves({
        Certificate: certificate(OWNERSHIP_CERT, ['mtls.auth.example.com'], { Type: 'IMPORTED' }),
      }),
    problem: /is IMPORTED: an ownership verification certificate must be issued by ACM/,
    fix: /request-certificate --region eu-west-1 --domain-name mtls\.auth\.example\.com/,
  },
  'the us-east-1 certificate does not cover the custom domain (SDK mock of ACM)': {
    title: 'custom domain certificate',
    arrange: () =>
      acm
        .on(DescribeCertificateCommand, { CertificateArn: EDGE_CERT })
        .resolves({ Certificate: certificate(EDGE_CERT, ['www.example.com']) }),
    problem: /covers www\.example\.com, not auth\.example\.com/,
    fix: /--region us-east-1 --domain-name auth\.example\.com .*-c customDomainCertificateArn=/,
  },
  'the account and region are not bootstrapped (SDK mock of CloudFormation)': {
    title: 'CDK bootstrap',
    arrange: () =>
      cloudFormation
        .on(DescribeStacksCommand)
        .rejects(awsError('ValidationError', 'Stack with id CDKToolkit does not exist')),
    problem: /no CDKToolkit stack in 111111111111\/eu-west-1/,
    fix: /npx cdk bootstrap aws:\/\/111111111111\/eu-west-1 with the same -c keys/,
  },
  'the bootstrap stack is too old for this aws-cdk-lib (SDK mock of CloudFormation)': {
    title: 'CDK bootstrap',
    arrange: () =>
      cloudFormation.on(DescribeStacksCommand).resolves({
        Stacks: [bootstrapStack({ Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '5' }] })],
      }),
    problem: /is version 5; this app needs 6 or later/,
    fix: /npx cdk bootstrap aws:\/\/111111111111\/eu-west-1/,
  },
  'the bootstrap stack has another qualifier (SDK mock of CloudFormation)': {
    title: 'CDK bootstrap',
    arrange: () =>
      cloudFormation.on(DescribeStacksCommand).resolves({
        Stacks: [bootstrapStack({ Parameters: [{ ParameterKey: 'Qualifier', ParameterValue: 'other123' }] })],
      }),
    problem: /bootstrapped with qualifier other123; the app uses hnb659fds/,
    fix: /@aws-cdk\/core:bootstrapQualifier to other123/,
  },
  'apiGatewayCloudWatchRole=existing, but the account has no CloudWatch Logs role (SDK mock of API Gateway)':
    {
      title: 'API Gateway CloudWatch Logs role',
      arrange: () => apiGateway.on(GetAccountCommand).resolves({}),
      problem: /not set in 111111111111\/eu-west-1.*CloudWatch Logs role ARN must be set in account settings/,
      fix: /aws apigateway update-account --region eu-west-1 .*or deploy with -c apiGatewayCloudWatchRole=create/,
    },
  'the hosted zone is private (SDK mock of Route 53)': {
    title: 'hosted zone',
    arrange: () =>
      route53.on(GetHostedZoneCommand).resolves({
        HostedZone: { Id: ZONE, Name: 'example.com.', CallerReference: 'r', Config: { PrivateZone: true } },
        VPCs: [{ VPCRegion: REGION, VPCId: 'vpc-1' }],
      }),
    problem: /is a private zone: clients on the internet cannot resolve mtls\.auth\.example\.com/,
    fix: /public hosted zone/,
  },
  'the hosted zone id names another zone than hostedZoneName (SDK mock of Route 53)': {
    title: 'hosted zone',
    arrange: () =>
      route53.on(GetHostedZoneCommand).resolves({
        HostedZone: {
          Id: ZONE,
          Name: 'auth.example.com.',
          CallerReference: 'r',
          Config: { PrivateZone: false },
        },
        DelegationSet: { NameServers: NAME_SERVERS },
      }),
    problem: /is auth\.example\.com, but hostedZoneName says example\.com/,
    fix: /-c hostedZoneName=auth\.example\.com/,
  },
  'the hosted zone does not exist (SDK mock of Route 53)': {
    title: 'hosted zone',
    arrange: () =>
      route53
        .on(GetHostedZoneCommand)
        .rejects(awsError('NoSuchHostedZone', `No hosted zone found with ID: ${ZONE}`)),
    problem: /Z0123456789ABCDEFGHIJ does not exist in account 111111111111/,
    fix: /-c hostedZoneId=/,
  },
  'the hosted zone is not delegated: public DNS has no NS records (SDK mock of Route 53, injected resolver)':
    {
      title: 'hosted zone',
      arrange: () => {
        resolveNs = () =>
          Promise.reject(Object.assign(new Error('queryNs ENOTFOUND example.com'), { code: 'ENOTFOUND' }));
      },
      problem: /example\.com has no public NS records \(ENOTFOUND\): the zone is not delegated/,
      fix: /set the NS records of example\.com at its parent zone or registrar to ns-1\.awsdns-01\.org ns-2\.awsdns-02\.co\.uk/,
    },
  'the domain is delegated to other name servers (SDK mock of Route 53, injected resolver)': {
    title: 'hosted zone',
    arrange: () => {
      resolveNs = () => Promise.resolve(['ns-9.awsdns-09.net.', 'ns-1.awsdns-01.org.']);
    },
    problem:
      /delegated to ns-1\.awsdns-01\.org ns-9\.awsdns-09\.net, not \(only\) to this zone's name servers/,
    fix: /set the NS records of example\.com/,
  },
  'public DNS cannot be asked (SDK mock of Route 53, injected resolver)': {
    title: 'hosted zone',
    arrange: () => {
      resolveNs = () =>
        Promise.reject(
          Object.assign(new Error('queryNs ECONNREFUSED example.com'), { code: 'ECONNREFUSED' }),
        );
    },
    problem: /could not look up the public NS records of example\.com \(ECONNREFUSED/,
    fix: /--no-dns/,
  },
  'the secret has no value yet (SDK mock of Secrets Manager)': {
    title: 'CNAME API key secret',
    arrange: () =>
      secretsManager
        .on(GetSecretValueCommand)
        .rejects(
          awsError(
            'ResourceNotFoundException',
            "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
          ),
        ),
    problem: /holds no value yet/,
    fix: /aws secretsmanager put-secret-value --region eu-west-1 --secret-id arn:aws:secretsmanager:/,
  },
  'the secret is JSON without cname_api_key (SDK mock of Secrets Manager)': {
    title: 'CNAME API key secret',
    arrange: () => secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"api_key":"x"}' }),
    problem: /the JSON secret has no string "cname_api_key"/,
    fix: /put-secret-value/,
  },
  'the secret is JSON while the CloudFront edge sends the whole SecretString (SDK mock of Secrets Manager)': {
    title: 'CNAME API key secret',
    arrange: () =>
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: `{"cname_api_key":"${API_KEY}"}` }),
    problem: /holds JSON; the CloudFront edge \(customDomainCertificateArn\) sends the whole SecretString/,
    fix: /store the bare key/,
  },
  'the secret is in another region than the stack (SDK mock of Secrets Manager)': {
    title: 'CNAME API key secret',
    // Without a customer-managed key: parseConfig already refuses a key outside the secret's region.
    context: withContext(
      `cnameApiKeySecretArn=${SECRET.replace(REGION, 'us-west-2')}`,
      'cnameApiKeySecretKmsKeyArn=',
    ),
    arrange: () => {
      secretsManager.on(DescribeSecretCommand).resolves({});
    },
    problem: /is in us-west-2, the proxy runs in eu-west-1/,
    fix: /replicate-secret-to-regions .*--add-replica-regions Region=eu-west-1/,
  },
  'you cannot decrypt the secret (SDK mock of Secrets Manager)': {
    title: 'CNAME API key secret',
    arrange: () =>
      secretsManager
        .on(GetSecretValueCommand)
        .rejects(awsError('DecryptionFailure', 'Access to KMS is not allowed')),
    problem: /cannot be decrypted by you \(Access to KMS is not allowed\)/,
    fix: /allow kms:Decrypt on the secret's KMS key/,
  },
  'you may not read the secret (SDK mock of Secrets Manager)': {
    title: 'CNAME API key secret',
    arrange: () =>
      secretsManager
        .on(GetSecretValueCommand)
        .rejects(
          awsError(
            'AccessDeniedException',
            'User: arn:aws:iam::111111111111:user/ops is not authorized to perform: secretsmanager:GetSecretValue',
          ),
        ),
    problem: /access denied to secretsmanager:GetSecretValue/,
    fix: /allow secretsmanager:GetSecretValue to the identity running preflight/,
  },
  "the secret's customer-managed key is not in the context (SDK mock of KMS)": {
    title: 'CNAME API key secret encryption',
    context: withContext('cnameApiKeySecretKmsKeyArn='),
    problem:
      /encrypted with the customer-managed key arn:aws:kms:.*the proxy gets no kms:Decrypt and answers 503/,
    fix: new RegExp(`-c cnameApiKeySecretKmsKeyArn=${KEY}`),
  },
  'the context names another key than the secret uses (SDK mock of KMS)': {
    title: 'CNAME API key secret encryption',
    context: withContext(`cnameApiKeySecretKmsKeyArn=${KEY.replace('1234abcd', 'ffffffff')}`),
    problem: /but cnameApiKeySecretKmsKeyArn is arn:aws:kms:eu-west-1:111111111111:key\/ffffffff/,
    fix: new RegExp(`-c cnameApiKeySecretKmsKeyArn=${KEY}`),
  },
  "the secret's key is pending deletion (SDK mock of KMS)": {
    title: 'CNAME API key secret encryption',
    arrange: () =>
      kms
        .on(DescribeKeyCommand)
        .resolves({ KeyMetadata: customerKey({ KeyState: 'PendingDeletion', Enabled: false }) }),
    problem: /is PendingDeletion: nobody can decrypt the secret/,
    fix: /aws kms cancel-key-deletion --region eu-west-1/,
  },
  'a key is given but the secret uses the AWS managed key (SDK mock of Secrets Manager)': {
    title: 'CNAME API key secret encryption',
    arrange: () => secretsManager.on(DescribeSecretCommand).resolves({ ARN: SECRET }),
    problem: /encrypted with the AWS managed key aws\/secretsmanager, not arn:aws:kms/,
    fix: /drop -c cnameApiKeySecretKmsKeyArn/,
  },
};

describe('preflight: one failing account per check (SDK mocks of the AWS control planes)', () => {
  it.each(Object.entries(FAILING_ACCOUNTS))('%s', async (_name, account) => {
    account.arrange?.();
    const run = await preflight(account.context ?? FULL);
    expect(run.code).toBe(1);
    const line = checkLine(run, account.title);
    expect(failures(run)).toEqual([line]);
    const [problem = '', fix = ''] = line.slice(`✗ ${account.title}: `.length).split(' — fix: ');
    expect(line.startsWith(`✗ ${account.title}: `)).toBe(true);
    expect(problem).toMatch(account.problem);
    expect(fix).toMatch(account.fix);
    expect(run.lines.at(-1)).toBe(`preflight: 1 of 10 checks failed in ${ACCOUNT}/${REGION}`);
    expect(run.stdout).not.toContain(API_KEY);
  });

  it('without usable credentials: one ✗ line, exit 1, and no other AWS call (SDK mock of STS)', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const run = await preflight(FULL);
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([
      '✗ AWS credentials: cannot tell who you are (CredentialsProviderError: Could not load credentials from any providers) — fix: configure the credentials you deploy with (aws configure sso, AWS_PROFILE or --profile NAME, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
    ]);
    for (const mock of ALL_MOCKS.filter((m) => m !== sts)) expect(mock.calls()).toHaveLength(0);
  });

  it('an invalid context exits 2 naming the key, before any AWS call (SDK mocks)', async () => {
    const run = await preflight(withContext('certificateArn=arn:aws:acm:eu-west-1:111111111111:nope'));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^edge-certs: preflight: Context key "certificateArn": got "arn:aws:acm:eu-west-1:111111111111:nope"/,
    );
    for (const mock of ALL_MOCKS) expect(mock.calls()).toHaveLength(0);
  });
});

describe('preflight: frontDoor=alb (SDK mocks of ACM, API Gateway and the other control planes)', () => {
  /** FULL on the load balancer: the API Gateway keys dropped, as docs/configuration.md says to. */
  const ALB = withContext(
    'frontDoor=alb',
    'ownershipVerificationCertificateArn=',
    'apiGatewayCloudWatchRole=',
  );

  /** Each ACM certificate preflight asked for, with the region of the client that asked. */
  async function acmLookups(): Promise<Record<string, string>> {
    const pairs = await Promise.all(
      acm
        .commandCalls(DescribeCertificateCommand)
        .map(async (call) => [
          call.args[0].input.CertificateArn,
          await (call.thisValue as ACMClient).config.region(),
        ]),
    );
    return Object.fromEntries(pairs) as Record<string, string>;
  }

  it('the API Gateway CloudWatch Logs role and the ownership verification certificate do not apply: neither is looked up, an imported mTLS certificate passes alone', async () => {
    // An account whose API Gateway settings cannot be read: the ALB door must not depend on them.
    apiGateway
      .on(GetAccountCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: apigateway:GET'));
    const run = await preflight(ALB);
    expect(failures(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.lines.at(-1)).toBe(`preflight: all 10 checks passed in ${ACCOUNT}/${REGION}`);
    expect(checkLine(run, 'API Gateway CloudWatch Logs role')).toBe(
      '✓ API Gateway CloudWatch Logs role: frontDoor=alb: no API Gateway stage, the stack leaves the role alone',
    );
    expect(checkLine(run, 'ownership verification certificate')).toBe(
      '✓ ownership verification certificate: frontDoor=alb: the load balancer needs none (it serves imported and private-CA certificates as they are)',
    );
    expect(checkLine(run, 'mTLS certificate')).toBe(
      `✓ mTLS certificate: ${CERT} is ISSUED (IMPORTED) in ${REGION} and covers mtls.auth.example.com, valid until ${certificate(CERT, []).NotAfter?.toISOString().slice(0, 10)}`,
    );
    expect(apiGateway.calls()).toHaveLength(0);
    // The listener's certificate is looked up in the stack's region, the edge's in us-east-1, nothing else.
    expect(await acmLookups()).toEqual({ [CERT]: REGION, [EDGE_CERT]: 'us-east-1' });
  });

  it('an ownership verification certificate given anyway is not looked up (it does nothing with this door)', async () => {
    const run = await preflight(withContext('frontDoor=alb', 'apiGatewayCloudWatchRole='));
    expect(run.code).toBe(0);
    expect(checkLine(run, 'ownership verification certificate')).toContain('frontDoor=alb');
    expect(Object.keys(await acmLookups())).not.toContain(OWNERSHIP_CERT);
  });

  it.each<[string, () => void, RegExp]>([
    [
      'is not in the stack region (ResourceNotFoundException)',
      () =>
        acm
          .on(DescribeCertificateCommand, { CertificateArn: CERT })
          .rejects(awsError('ResourceNotFoundException', `Could not find certificate ${CERT}.`)),
      /does not exist in 111111111111\/eu-west-1/,
    ],
    [
      'has a key the load balancer cannot serve (RSA_1024)',
      () =>
        acm.on(DescribeCertificateCommand, { CertificateArn: CERT }).resolves({
          Certificate: certificate(CERT, ['mtls.auth.example.com'], {
            Type: 'IMPORTED',
            KeyAlgorithm: 'RSA_1024',
          }),
        }),
      /has a RSA_1024 key: a load balancer serves RSA 2048, 3072 or 4096 and ECDSA keys only/,
    ],
  ])('the listener certificate %s: ✗ mTLS certificate, and only it', async (_name, arrange, problem) => {
    arrange();
    const run = await preflight(ALB);
    expect(run.code).toBe(1);
    const line = checkLine(run, 'mTLS certificate');
    expect(failures(run)).toEqual([line]);
    expect(line).toMatch(problem);
    expect(line).toMatch(
      /— fix: request a public certificate: aws acm request-certificate --region eu-west-1 /,
    );
  });

  it('an ECDSA listener certificate passes with a note: FAPI 2 but not FAPI 1 Advanced (SDK mock of ACM)', async () => {
    acm.on(DescribeCertificateCommand, { CertificateArn: CERT }).resolves({
      Certificate: certificate(CERT, ['mtls.auth.example.com'], { KeyAlgorithm: 'EC_prime256v1' }),
    });
    const run = await preflight(ALB);
    expect(run.code).toBe(0);
    expect(checkLine(run, 'mTLS certificate')).toMatch(
      /^✓ mTLS certificate: .* is ISSUED .*; note: its EC_prime256v1 key meets FAPI 2 but not FAPI 1 Advanced .*use an RSA certificate/,
    );
    // The same key behind API Gateway, and an RSA key behind the load balancer, get no such note.
    expect(checkLine(await preflight(FULL), 'mTLS certificate')).not.toContain('note:');
    acm.on(DescribeCertificateCommand, { CertificateArn: CERT }).resolves({
      Certificate: certificate(CERT, ['mtls.auth.example.com'], { KeyAlgorithm: 'RSA_2048' }),
    });
    expect(checkLine(await preflight(ALB), 'mTLS certificate')).not.toContain('note:');
  });

  it("the same RSA_1024 certificate is not the load balancer's problem on API Gateway: the rule is the ALB door's only", async () => {
    acm.on(DescribeCertificateCommand, { CertificateArn: CERT }).resolves({
      Certificate: certificate(CERT, ['mtls.auth.example.com'], {
        Type: 'IMPORTED',
        KeyAlgorithm: 'RSA_1024',
      }),
    });
    const run = await preflight(FULL);
    expect(checkLine(run, 'mTLS certificate')).not.toContain('load balancer');
  });
});

describe('preflight: Lambda concurrency (SDK mock of Lambda)', () => {
  /** One check, run as the command runs it, against an account at the low default limit of 10. */
  async function lowDefaultAccount(reserved: number): Promise<{ ok: boolean; line?: string }> {
    lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const printed: string[] = [];
    const clients = createPreflightClients();
    try {
      const ok = await runPreflight({
        config: preflightConfig(Object.fromEntries(REQUIRED.map((kv) => kv.split('=') as [string, string]))),
        clients,
        cwd: dir,
        now: new Date(),
        toolkitStackName: 'CDKToolkit',
        bootstrapQualifier: 'hnb659fds',
        print: (l) => printed.push(l),
        checks: [lambdaConcurrencyFor(reserved)],
      });
      return { ok, line: printed[1] };
    } finally {
      clients.destroy();
    }
  }

  it('an account at the low default limit of 10 passes a stack reserving none, with a note to raise the quota', async () => {
    const { ok, line } = await lowDefaultAccount(0);
    expect(ok).toBe(true);
    expect(line).toMatch(
      /^✓ Lambda concurrency: 10 of 10 concurrent executions unreserved in eu-west-1, the stack reserves none; note: a limit of 10 can throttle the proxy/,
    );
  });

  it('the same account fails a stack reserving 1 (the deploy failure of issue 11, item 3)', async () => {
    const { ok, line } = await lowDefaultAccount(1);
    expect(ok).toBe(false);
    expect(line).toBe(
      '✗ Lambda concurrency: 10 of 10 concurrent executions are unreserved in eu-west-1 and the stack reserves 1: Lambda refuses a reservation leaving fewer than 10 — fix: free reserved concurrency of other functions, or request a higher "Concurrent executions" quota (Service Quotas, AWS Lambda) in eu-west-1',
    );
  });
});
