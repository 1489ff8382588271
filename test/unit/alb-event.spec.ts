/**
 * The ALB front door's reader and renderer (lambda/proxy/alb.ts) on events the ALB stand-in builds:
 * what it takes from the event, what it refuses to guess, and the result the ALB gets back.
 */
import type { ALBEvent } from 'aws-lambda';
import { X509Certificate } from 'node:crypto';
import { alb, isAlbEvent } from '../../lambda/proxy/alb';
import { refuse, REFUSALS } from '../../lambda/proxy/answers';
import { BadRequest } from '../../lambda/proxy/request';
import { ALB_CLIENT_CERT_HEADER, ALB_LAMBDA_LIMITS } from '../../shared/contracts/alb';
import {
  albEvent,
  buildAlbEvent,
  encodeAlbCertificateChain,
  responseFromAlbResult,
} from '../../stand-ins/alb';
import { apiGatewayEvent } from '../../stand-ins/api-gateway';
import { createCertificate, createTestPki, type TestPki } from '../../stand-ins/pki';

let pki: TestPki;

beforeAll(async () => {
  pki = await createTestPki('Alb');
});

function withHeader(event: ALBEvent, name: string, values: string[]): ALBEvent {
  return { ...event, multiValueHeaders: { ...event.multiValueHeaders, [name]: values } };
}

function certificateValues(event: ALBEvent): string[] {
  return event.multiValueHeaders?.[ALB_CLIENT_CERT_HEADER] ?? [];
}

describe('reading the event', () => {
  it('tells an ALB event from an API Gateway event by requestContext.elb', () => {
    expect(isAlbEvent(albEvent(pki.leaf.pem))).toBe(true);
    expect(isAlbEvent(apiGatewayEvent(pki.leaf.pem))).toBe(false);
    expect(isAlbEvent({ requestContext: { elb: 'x' } })).toBe(false);
  });

  it('reads method, path, every header value and the body', () => {
    const request = alb.read(
      albEvent(pki.leaf.pem, {
        headers: [
          ['Content-Type', 'application/octet-stream'],
          ['Cookie', 'a=1'],
          ['Cookie', 'b=2'],
        ],
        body: Buffer.from([0, 1, 2, 255]),
      }),
    );
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/oauth/token');
    expect(request.headers.filter(([name]) => name === 'cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2']);
    expect(request.body.equals(Buffer.from([0, 1, 2, 255]))).toBe(true);
    expect(request.requestId).toMatch(/^Root=1-/);
  });

  it('reads a text body the ALB hands over as is', () => {
    const event = albEvent(pki.leaf.pem, {
      headers: [['content-type', 'application/json']],
      body: '{"a":"é"}',
    });
    expect(event.isBase64Encoded).toBe(false);
    expect(alb.read(event).body.toString('utf8')).toBe('{"a":"é"}');
  });

  it('decodes query parameters, which the ALB does not: + is a space, %26 an ampersand, every value kept', () => {
    const event = buildAlbEvent(
      {
        method: 'GET',
        url: '/userinfo?scope=openid+profile&a=1&a=2%263&odd=%zz',
        rawHeaders: [],
        body: Buffer.alloc(0),
        sourceIp: '203.0.113.7',
        localPort: 443,
        presentedChain: [pki.leaf.pem],
      },
      { traceId: 'Root=1-0-0' },
    );
    expect(event.multiValueQueryStringParameters?.scope).toEqual(['openid+profile']);
    expect(alb.read(event).query).toEqual([
      ['scope', 'openid profile'],
      ['a', '1'],
      ['a', '2&3'],
      ['odd', '%zz'],
    ]);
  });

  it('takes the client IP from the rightmost X-Forwarded-For entry, the one the ALB appended', () => {
    const request = alb.read(
      albEvent(pki.leaf.pem, {
        headers: [
          ['X-Forwarded-For', '1.1.1.1'],
          ['X-Forwarded-For', '2.2.2.2, 3.3.3.3'],
        ],
        sourceIp: '198.51.100.23',
      }),
    );
    expect(request.sourceIp).toBe('198.51.100.23');
  });

  it.each([
    ['no X-Forwarded-For', undefined],
    ['an entry that is not an IP (a port appended)', ['198.51.100.23:4711']],
    ['an empty entry', ['1.1.1.1, ']],
  ])('refuses to guess the client IP: %s', (_label, values) => {
    const event = albEvent(pki.leaf.pem);
    const headers = { ...event.multiValueHeaders };
    delete headers['x-forwarded-for'];
    if (values) headers['x-forwarded-for'] = values;
    expect(() => alb.read({ ...event, multiValueHeaders: headers })).toThrow(BadRequest);
  });

  it('refuses an event without multi-value headers (a second certificate header could not be seen)', () => {
    const event = albEvent(pki.leaf.pem);
    const single = { ...event, headers: { 'x-forwarded-for': '203.0.113.7' } } as ALBEvent;
    delete single.multiValueHeaders;
    expect(() => alb.read(single)).toThrow(/multi_value_headers/);
  });
});

describe('reading the presented chain from X-Amzn-Mtls-Clientcert', () => {
  it('the leaf first, then every other certificate presented', () => {
    const request = alb.read(albEvent([pki.leaf.pem, pki.intermediate.pem]));
    expect(new X509Certificate(request.clientCertPem!).fingerprint256).toBe(
      new X509Certificate(pki.leaf.pem).fingerprint256,
    );
    expect(request.presentedChain).toHaveLength(1);
    expect(request.certificateProblem).toBeUndefined();
  });

  it('+ = / are left as they are by the ALB and stay base64 (never a space); %2B %3D %2F read the same', async () => {
    // A leaf whose base64 holds both + and / (a random one lacks a + about once in 20,000).
    let leaf = pki.leaf;
    while (!/\+/.test(leaf.pem) || !/\//.test(leaf.pem)) {
      leaf = await createCertificate({ subject: 'CN=Alb plus, O=Alb', issuer: pki.intermediate });
    }
    const encoded = certificateValues(albEvent(leaf.pem))[0]!;
    expect(encoded).toMatch(/\+/);
    expect(encoded).toMatch(/\//);
    const fullyEscaped = encodeURIComponent(leaf.pem);
    for (const value of [encoded, fullyEscaped]) {
      const request = alb.read(withHeader(albEvent(undefined), ALB_CLIENT_CERT_HEADER, [value]));
      expect(new X509Certificate(request.clientCertPem!).raw.equals(new X509Certificate(leaf.pem).raw)).toBe(
        true,
      );
    }
  });

  it('no header, or an empty one: no certificate', () => {
    expect(alb.read(albEvent(undefined))).toMatchObject({ clientCertPem: undefined });
    const empty = alb.read(withHeader(albEvent(undefined), ALB_CLIENT_CERT_HEADER, ['']));
    expect(empty.clientCertPem).toBeUndefined();
    expect(empty.certificateProblem).toBeUndefined();
  });

  it.each([
    ['the client sent one and the ALB added its own', 'X-Amzn-Mtls-Clientcert'],
    ['the client sent one spelled with underscores', 'X_Amzn_Mtls_Clientcert'],
  ])('two copies of the header are never guessed between: %s', (_label, name) => {
    const forged = encodeAlbCertificateChain([pki.rootLeaf.pem]);
    const request = alb.read(albEvent(pki.leaf.pem, { headers: [[name, forged]] }));
    expect(request.clientCertPem).toBeUndefined();
    expect(request.certificateProblem).toBe('certificate-header-repeated');
  });

  it.each([
    ['two chains joined with a comma', (v: string) => `${v},${v}`],
    ['a space', (v: string) => v.replace('-----BEGIN%20', '-----BEGIN ')],
    ['a broken escape', (v: string) => `${v}%4`],
    ['text outside the PEM blocks', (v: string) => `note%0A${v}`],
    ['no PEM block at all', () => 'hello'],
  ])('a value that is not only URL-encoded PEM certificates is refused: %s', (_label, mangle) => {
    const value = mangle(certificateValues(albEvent(pki.leaf.pem))[0]!);
    const request = alb.read(withHeader(albEvent(undefined), ALB_CLIENT_CERT_HEADER, [value]));
    expect(request.clientCertPem).toBeUndefined();
    expect(request.certificateProblem).toBe('certificate-header-malformed');
  });
});

describe('rendering the answer', () => {
  const upstream = {
    statusCode: 200,
    rawHeaders: [
      'Content-Type',
      'application/json',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
      'Connection',
      'close',
    ],
    body: Buffer.from('{"access_token":"x"}'),
  };

  it('relays status, description, every header value (hop-by-hop dropped) and the body as base64', () => {
    const result = alb.render({ kind: 'relay', upstream });
    expect(result).toMatchObject({ statusCode: 200, statusDescription: '200 OK', isBase64Encoded: true });
    expect(result.multiValueHeaders).toMatchObject({
      'content-type': ['application/json'],
      'set-cookie': ['a=1', 'b=2'],
    });
    expect(result.multiValueHeaders?.connection).toBeUndefined();
    expect(result.headers).toBeUndefined();
    const response = responseFromAlbResult(result);
    expect(response.body.toString()).toBe('{"access_token":"x"}');
  });

  it('renders the edge’s own answers with multi-value headers too', () => {
    const result = alb.render(refuse(REFUSALS.registryUnavailable));
    expect(result.statusCode).toBe(503);
    expect(result.statusDescription).toBe('503 Service Unavailable');
    expect(result.multiValueHeaders).toEqual({
      'content-type': ['application/json'],
      'cache-control': ['no-store'],
      'retry-after': ['5'],
    });
    expect(JSON.parse(result.body!)).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('carries an answer exactly up to the ALB’s 1 MB of result JSON, and not one byte more', () => {
    const sized = (bodyBytes: number) => ({ ...upstream, body: Buffer.alloc(bodyBytes, 7) });
    const jsonBytes = (bodyBytes: number) =>
      Buffer.byteLength(JSON.stringify(alb.render({ kind: 'relay', upstream: sized(bodyBytes) })));
    // The largest body whose result fits: the rest of the JSON, then whole base64 quanta.
    const bytes = Math.floor((ALB_LAMBDA_LIMITS.maxResponseJsonBytes - jsonBytes(0)) / 4) * 3;
    expect(jsonBytes(bytes)).toBeLessThanOrEqual(ALB_LAMBDA_LIMITS.maxResponseJsonBytes);
    expect(jsonBytes(bytes + 3)).toBeGreaterThan(ALB_LAMBDA_LIMITS.maxResponseJsonBytes);
    expect(alb.carries!(sized(bytes))).toBe(true);
    expect(responseFromAlbResult(alb.render({ kind: 'relay', upstream: sized(bytes) })).statusCode).toBe(200);
    expect(alb.carries!(sized(bytes + 3))).toBe(false);
    // …which the ALB itself would have refused.
    expect(responseFromAlbResult(alb.render({ kind: 'relay', upstream: sized(bytes + 3) })).statusCode).toBe(
      502,
    );
  });
});
