/**
 * `npx edge-certs preflight` as a real child process (`node bin/edge-certs.js`, the package's bin): the
 * wiring from argv, cdk.json and the environment to the SDK clients, over the real wire protocols. AWS is
 * a loopback stand-in reached through `AWS_ENDPOINT_URL`: STS answers GetCallerIdentity in its query
 * protocol, the CloudFormation stand-in serves the bootstrap stack, and every other control plane refuses
 * with AccessDeniedException (no stand-in could honestly say more), so those checks must fail and name
 * the action to allow.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCloudFormationStandIn, type CloudFormationStandIn } from '../../stand-ins/cloudformation';
import { close, listen, readBody } from '../../stand-ins/listen';
import { createTestPki } from '../../stand-ins/pki';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/edge-certs.js');
const ACCOUNT = '111111111111';
const CERT = `arn:aws:acm:eu-west-1:${ACCOUNT}:certificate/0000-mtls`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;
let aws: Server;
let awsEndpoint: string;
let cfn: CloudFormationStandIn;
/** Every request the loopback AWS saw: the operation, from the query Action or the JSON target. */
let seen: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'preflight-cli-'));
  writeFileSync(join(dir, 'ca.pem'), (await createTestPki('PreflightCli')).caBundlePem);
  cfn = await startCloudFormationStandIn({ CDKToolkit: { BootstrapVersion: '30' } });
  aws = createServer((req, res) => {
    void readBody(req).then((body) => {
      const action = new URLSearchParams(body).get('Action');
      const target = String(req.headers['x-amz-target'] ?? '');
      seen.push(action ?? (target || `${req.method} ${req.url}`));
      const requestId = randomUUID();
      if (action === 'GetCallerIdentity') {
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
            `<Arn>arn:aws:iam::${ACCOUNT}:user/ops</Arn><UserId>AIDAEXAMPLE</UserId><Account>${ACCOUNT}</Account>` +
            `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        );
        return;
      }
      res.writeHead(403, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': 'AccessDeniedException',
      });
      res.end(
        JSON.stringify({
          __type: 'AccessDeniedException',
          message: `User: arn:aws:iam::${ACCOUNT}:user/ops is not authorized to perform this action`,
        }),
      );
    });
  });
  awsEndpoint = `http://127.0.0.1:${await listen(aws)}`;
});

afterAll(async () => {
  await close(aws);
  await cfn.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  cfn.calls.length = 0;
  rmSync(join(dir, 'cdk.json'), { force: true });
});

function spawnPreflight(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, 'preflight', ...args],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          AWS_ACCESS_KEY_ID: 'AKIDPREFLIGHTTEST',
          AWS_SECRET_ACCESS_KEY: 'preflight-test-secret',
          AWS_ENDPOINT_URL: awsEndpoint,
          AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
          AWS_MAX_ATTEMPTS: '1',
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

describe('edge-certs preflight, the real entry in a child process (loopback STS + CloudFormation stand-in; other control planes refuse)', () => {
  it('exits 2 on a missing required key, naming it, and calls no AWS endpoint', async () => {
    const run = await spawnPreflight(['-c', 'domainName=auth.example.com']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^edge-certs: preflight: Context key "certificateArn": it is missing/);
    expect(seen).toEqual([]);
    expect(cfn.calls).toEqual([]);
  });

  it('checks the context of cdk.json plus -c over the real protocols: ✓ what the stand-ins prove, ✗ with the action to allow for each refusal, exit 1', async () => {
    writeFileSync(
      join(dir, 'cdk.json'),
      JSON.stringify({
        app: 'npx tsx bin/app.ts',
        context: {
          domainName: 'auth.example.com',
          forwardingTarget: 'acme-cd-x.edge.tenants.eu.auth0.com',
          caBundle: 'ca.pem',
        },
      }),
    );
    const run = await spawnPreflight(['-c', `certificateArn=${CERT}`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toBe(
      `preflight: account ${ACCOUNT}, region eu-west-1 (the region of certificateArn), as arn:aws:iam::${ACCOUNT}:user/ops`,
    );
    expect(lines).toContain('✓ CA bundle: ca.pem: 2 certificate(s) pass the truststore checks');
    expect(lines.find((l) => l.startsWith('✓ CDK bootstrap:'))).toBe(
      '✓ CDK bootstrap: CDKToolkit in 111111111111/eu-west-1 is version 30 (this app needs 6 or later), CREATE_COMPLETE',
    );
    expect(cfn.calls).toEqual(['CDKToolkit']);
    for (const [title, action] of [
      ['mTLS certificate', 'acm:DescribeCertificate'],
      ['API Gateway CloudWatch Logs role', 'apigateway:GET'],
      ['Lambda concurrency', 'lambda:GetAccountSettings'],
    ]) {
      const line = lines.find((l) => l.startsWith(`✗ ${title}:`));
      expect(line).toContain(`access denied to ${action}`);
      expect(line).toContain(`— fix: allow ${action}`);
    }
    expect(seen.sort()).toEqual(
      [
        'CertificateManager.DescribeCertificate',
        'GET /account',
        'GET /2016-08-19/account-settings',
        'GetCallerIdentity',
      ].sort(),
    );
    expect(lines.at(-1)).toBe(`preflight: 3 of 10 checks failed in ${ACCOUNT}/eu-west-1`);
  });
});
