/**
 * The Lambda entry (`lambda/proxy/index.ts`) as the runtime loads it: a fresh Node process with the
 * deployed environment (nothing in this process's env is touched), its `handler` given one event of each
 * front door. Proves the dispatch on `requestContext.elb`: each event is read and answered by its own
 * front door, against the real local registry, secret store and upstream.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { albEvent } from '../../stand-ins/alb';
import { apiGatewayEvent } from '../../stand-ins/api-gateway';
import { PRINCIPAL_CREDENTIALS } from '../../stand-ins/iam-gate';
import { LOCAL_REGION } from '../../stand-ins/registry-server';
import { SECRET_ID, TABLE, startHarness, type Harness } from '../support/proxy-harness';

const ROOT = resolve(__dirname, '..', '..');

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'proxy-entry-'));
});

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the entry's handler on each event in a child process; resolves to the results, in order. */
function runEntry(events: readonly unknown[]): Promise<Array<Record<string, unknown>>> {
  const eventsFile = join(dir, 'events.json');
  writeFileSync(eventsFile, JSON.stringify(events));
  const script = `
    const { handler } = require(${JSON.stringify(join(ROOT, 'lambda/proxy/index.ts'))});
    const events = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(eventsFile)}, 'utf8'));
    (async () => {
      const results = [];
      for (const event of events) results.push(await handler(event));
      process.stdout.write(JSON.stringify(results));
    })();`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    FORWARDING_TARGET: h.upstream.url,
    CNAME_API_KEY_SECRET_ID: SECRET_ID,
    REGISTRY_TABLE_NAME: TABLE,
    CA_BUNDLE_FILE: h.caBundleFile,
    AWS_ENDPOINT_URL_DYNAMODB: h.registry.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: h.secrets.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: PRINCIPAL_CREDENTIALS.proxy.accessKeyId,
    AWS_SECRET_ACCESS_KEY: PRINCIPAL_CREDENTIALS.proxy.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['--require', 'tsx/cjs', '-e', script],
      { cwd: ROOT, env },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`${error.message}\n${stderr}`));
        else done(JSON.parse(stdout) as Array<Record<string, unknown>>);
      },
    );
  });
}

it('serves an ALB target event as the ALB front door and a REST API proxy event as API Gateway’s', async () => {
  const [fromAlb, fromApiGateway] = await runEntry([
    albEvent(h.pki.leaf.pem, { sourceIp: '198.51.100.1' }),
    apiGatewayEvent(h.pki.leaf.pem, { sourceIp: '198.51.100.2' }),
  ]);
  expect(fromAlb).toMatchObject({ statusCode: 200, statusDescription: '200 OK', isBase64Encoded: true });
  expect(fromApiGateway).toMatchObject({ statusCode: 200, isBase64Encoded: true });
  expect(fromApiGateway!.statusDescription).toBeUndefined();
  // Each front door's own reading of the client IP reached Auth0.
  expect(h.upstream.received.map((r) => r.headers['x-forwarded-for'])).toEqual([
    ['198.51.100.1'],
    ['198.51.100.2'],
  ]);
  expect(h.upstream.received.map((r) => r.headers['client-certificate-ca-verified'])).toEqual([
    ['SUCCESS'],
    ['SUCCESS'],
  ]);
});
