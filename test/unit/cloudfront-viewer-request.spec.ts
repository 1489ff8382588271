import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Script, createContext } from 'node:vm';
import fc from 'fast-check';

/**
 * The CloudFront Function's real code, evaluated the way the cloudfront-js-2.0 runtime sees it: one
 * file, top-level `handler`, no `require`, no `module`, no `process`, no Node globals at all.
 */
const FUNCTION_FILE = join(__dirname, '../../lambda/cloudfront/viewer-request.js');
const source = readFileSync(FUNCTION_FILE, 'utf8');

interface HeaderValue {
  value: string;
  multiValue?: { value: string }[];
}
type HeaderMap = Record<string, HeaderValue>;
interface CloudFrontRequest {
  method: string;
  uri: string;
  querystring: Record<string, HeaderValue>;
  headers: HeaderMap;
  cookies: Record<string, HeaderValue>;
}
interface CloudFrontEvent {
  version: '1.0';
  context: { distributionDomainName: string; distributionId: string; eventType: string; requestId: string };
  viewer: { ip: string };
  request: CloudFrontRequest;
}
type Handler = (event: unknown) => Promise<unknown>;

function loadHandler(): Handler {
  const context = createContext(Object.create(null) as object);
  const handler = new Script(`${source}\n;handler`, { filename: 'viewer-request.js' }).runInContext(
    context,
  ) as unknown;
  if (typeof handler !== 'function') throw new Error('viewer-request.js defines no top-level handler');
  return handler as Handler;
}

const handler = loadHandler();

/** The headers only the edge may set: never passed on from the client. */
const OWNED = [
  'client-certificate',
  'client-certificate-ca-verified',
  'cname-api-key',
  'true-client-ip',
  'cf-connecting-ip',
  'x-azure-clientip',
];

function eventFor(request: Partial<CloudFrontRequest>, viewerIp = '198.51.100.23'): CloudFrontEvent {
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
    },
    viewer: { ip: viewerIp },
    request: {
      method: 'GET',
      uri: '/authorize',
      querystring: {},
      headers: { host: { value: 'auth.example.com' } },
      cookies: {},
      ...request,
    },
  };
}

async function run(event: CloudFrontEvent): Promise<CloudFrontRequest> {
  return (await handler(event)) as CloudFrontRequest;
}

const forgedPem = encodeURIComponent('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

describe('viewer-request CloudFront Function (cloudfront-js-2.0 code, run as-is)', () => {
  it('fits the runtime: a plain script with a top-level async handler, under the 10 KB function size limit', () => {
    expect(statSync(FUNCTION_FILE).size).toBeLessThan(10 * 1024);
    expect(source).toMatch(/^async function handler\(event\)/m);
    expect(source).not.toMatch(/\brequire\s*\(|\bmodule\.exports\b|^\s*(import|export)\s/m);
  });

  it('deletes forged mTLS headers and a forged cname-api-key as CloudFront presents them', async () => {
    const result = await run(
      eventFor({
        method: 'POST',
        uri: '/oauth/token',
        headers: {
          host: { value: 'auth.example.com' },
          'client-certificate': { value: forgedPem },
          'client-certificate-ca-verified': { value: 'SUCCESS' },
          'cname-api-key': { value: 'guessed-key' },
          'content-type': { value: 'application/x-www-form-urlencoded' },
        },
      }),
    );
    expect(result.headers['client-certificate']).toBeUndefined();
    expect(result.headers['client-certificate-ca-verified']).toBeUndefined();
    expect(result.headers['cname-api-key']).toBeUndefined();
    expect(result.headers['content-type']).toEqual({ value: 'application/x-www-form-urlencoded' });
  });

  it('deletes every copy of a repeated forged header (the multiValue shape CloudFront produces)', async () => {
    const result = await run(
      eventFor({
        headers: {
          host: { value: 'auth.example.com' },
          'client-certificate-ca-verified': {
            value: 'FAILED:self signed',
            multiValue: [{ value: 'FAILED:self signed' }, { value: 'SUCCESS' }],
          },
          'client-certificate': {
            value: forgedPem,
            multiValue: [{ value: forgedPem }, { value: forgedPem }],
          },
        },
      }),
    );
    expect(Object.keys(result.headers).sort()).toEqual(['host', 'true-client-ip']);
  });

  it('deletes forged headers whatever the letter case of the name', async () => {
    const result = await run(
      eventFor({
        headers: {
          host: { value: 'auth.example.com' },
          'Client-Certificate': { value: forgedPem },
          'CLIENT-CERTIFICATE-CA-VERIFIED': { value: 'SUCCESS' },
          'Cname-Api-Key': { value: 'guessed-key' },
          'True-Client-IP': { value: '203.0.113.99' },
        },
      }),
    );
    expect(Object.keys(result.headers).sort()).toEqual(['host', 'true-client-ip']);
    expect(result.headers['true-client-ip']).toEqual({ value: '198.51.100.23' });
  });

  it('deletes underscore spellings of the owned headers (some servers map _ to -)', async () => {
    const result = await run(
      eventFor({
        headers: {
          host: { value: 'auth.example.com' },
          client_certificate: { value: forgedPem },
          client_certificate_ca_verified: { value: 'SUCCESS' },
          'Client_Certificate-CA_Verified': { value: 'SUCCESS' },
          cname_api_key: { value: 'guessed-key' },
          true_client_ip: { value: '203.0.113.99' },
          cf_connecting_ip: { value: '203.0.113.98' },
          x_azure_clientip: { value: '203.0.113.97' },
        },
      }),
    );
    expect(Object.keys(result.headers).sort()).toEqual(['host', 'true-client-ip']);
    expect(result.headers['true-client-ip']).toEqual({ value: '198.51.100.23' });
  });

  it('sets true-client-ip to exactly the IPv4 viewer address', async () => {
    const result = await run(eventFor({}, '192.0.2.44'));
    expect(result.headers['true-client-ip']).toEqual({ value: '192.0.2.44' });
  });

  it('sets true-client-ip to exactly the IPv6 viewer address', async () => {
    const result = await run(eventFor({}, '2001:db8:85a3::8a2e:370:7334'));
    expect(result.headers['true-client-ip']).toEqual({ value: '2001:db8:85a3::8a2e:370:7334' });
  });

  it('replaces a client-sent true-client-ip (every copy) with the viewer address, never passes it on', async () => {
    const result = await run(
      eventFor(
        {
          headers: {
            host: { value: 'auth.example.com' },
            'true-client-ip': {
              value: '203.0.113.7',
              multiValue: [{ value: '203.0.113.7' }, { value: '203.0.113.8' }],
            },
          },
        },
        '198.51.100.200',
      ),
    );
    expect(result.headers['true-client-ip']).toEqual({ value: '198.51.100.200' });
    expect(JSON.stringify(result)).not.toContain('203.0.113.');
  });

  it('deletes client-sent cf-connecting-ip and x-azure-clientip (other headers Auth0 can be told to trust)', async () => {
    const result = await run(
      eventFor({
        headers: {
          host: { value: 'auth.example.com' },
          'cf-connecting-ip': { value: '203.0.113.1' },
          'x-azure-clientip': { value: '203.0.113.2' },
        },
      }),
    );
    expect(Object.keys(result.headers).sort()).toEqual(['host', 'true-client-ip']);
  });

  it('passes the method, uri, query string, cookies and every other header through unchanged', async () => {
    const request: CloudFrontRequest = {
      method: 'POST',
      uri: '/oauth/token',
      querystring: {
        audience: { value: 'https://api.example.com' },
        scope: { value: 'openid', multiValue: [{ value: 'openid' }, { value: 'offline_access' }] },
      },
      headers: {
        host: { value: 'auth.example.com' },
        authorization: { value: 'Basic Y2xpZW50OnNlY3JldA==' },
        dpop: { value: 'eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.sig' },
        'x-forwarded-for': { value: '203.0.113.50' },
        accept: { value: 'application/json', multiValue: [{ value: 'application/json' }, { value: '*/*' }] },
        'user-agent': { value: 'curl/8.5.0' },
      },
      cookies: {
        auth0: { value: 's%3Aabc.def' },
        did: { value: 'x', multiValue: [{ value: 'x' }, { value: 'y' }] },
      },
    };
    const before = structuredClone(request);
    const result = await run(eventFor(request));
    const { 'true-client-ip': clientIp, ...rest } = result.headers;
    expect(clientIp).toEqual({ value: '198.51.100.23' });
    expect(rest).toEqual(before.headers);
    expect(result.method).toBe(before.method);
    expect(result.uri).toBe(before.uri);
    expect(result.querystring).toEqual(before.querystring);
    expect(result.cookies).toEqual(before.cookies);
  });

  it('fails closed with 400 when the event carries no viewer address', async () => {
    const event = eventFor({});
    const response = (await handler({ ...event, viewer: {} })) as { statusCode: number };
    expect(response.statusCode).toBe(400);
  });

  describe('property: for arbitrary header maps', () => {
    const headerValue = fc.oneof(
      fc.record({ value: fc.string() }),
      fc
        .array(fc.string(), { minLength: 2, maxLength: 4 })
        .map((values) => ({ value: values[0] ?? '', multiValue: values.map((value) => ({ value })) })),
    );
    const otherName = fc
      .stringMatching(/^[a-z][a-z0-9_-]{0,24}$/)
      .filter((name) => !OWNED.includes(name.replace(/_/g, '-')) && name !== '__proto__');
    /** An owned name in any letter case, each `-` possibly spelled `_`. */
    const ownedName = fc
      .constantFrom(...OWNED)
      .chain((name) =>
        fc
          .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
          .map((flags) => [...name].map((c, i) => (c === '-' && flags[i] ? '_' : c)).join('')),
      )
      .chain((name) => fc.mixedCase(fc.constant(name)));
    const viewerIp = fc.oneof(fc.ipV4(), fc.ipV6());

    it('no owned header survives except one true-client-ip equal to the viewer address, and every other header is unchanged', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(otherName, headerValue, { maxKeys: 12 }),
          fc.dictionary(ownedName, headerValue, { maxKeys: 6 }),
          viewerIp,
          async (others, owned, ip) => {
            const headers: HeaderMap = { ...others, ...owned };
            const result = await run(eventFor({ headers: structuredClone(headers) }, ip));
            const ownedLeft = Object.keys(result.headers).filter((name) =>
              OWNED.includes(name.toLowerCase().replace(/_/g, '-')),
            );
            expect(ownedLeft).toEqual(['true-client-ip']);
            expect(result.headers['true-client-ip']).toEqual({ value: ip });
            const rest = { ...result.headers };
            delete rest['true-client-ip'];
            expect(rest).toEqual(others);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
