import { X509Certificate } from 'node:crypto';
import {
  apiGatewayRequestTime,
  buildProxyEvent,
  formatSerialNumber,
  normalizeSourceIp,
  responseFromResult,
  splitTarget,
  type ReceivedHttpRequest,
} from '../../stand-ins/api-gateway';
import { createTestPki, type TestPki } from '../../stand-ins/pki';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki('Event');
});

const context = { requestId: 'req-1', traceId: 'Root=1-abc-def', now: new Date('2021-08-05T09:36:04Z') };

function request(overrides: Partial<ReceivedHttpRequest> = {}): ReceivedHttpRequest {
  return {
    method: 'POST',
    url: '/oauth/token',
    rawHeaders: ['Host', 'mtls.example.com', 'Content-Type', 'application/x-www-form-urlencoded'],
    body: Buffer.from('grant_type=client_credentials'),
    sourceIp: '192.0.2.7',
    localPort: 8443,
    clientCertificate: new X509Certificate(pki.leaf.pem),
    ...overrides,
  };
}

describe('buildProxyEvent', () => {
  it('puts the leaf PEM, DNs, serial and OpenSSL-format validity in identity.clientCert', () => {
    const cert = buildProxyEvent(request(), context).requestContext.identity.clientCert!;
    expect(cert.clientCertPem).toBe(pki.leaf.pem);
    expect(cert.subjectDN).toBe('CN=Event client, O=Event');
    expect(cert.issuerDN).toBe('CN=Event Issuing CA, O=Event');
    expect(cert.validity.notAfter).toMatch(/^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4} GMT$/);
  });

  it('has clientCert null without a client certificate', () => {
    const event = buildProxyEvent(request({ clientCertificate: undefined }), context);
    expect(event.requestContext.identity.clientCert).toBeNull();
  });

  it('keeps the last header value in headers and every value in multiValueHeaders, names as sent', () => {
    const event = buildProxyEvent(
      request({ rawHeaders: ['Accept', 'a', 'Accept', 'b', 'dpop', 'x'] }),
      context,
    );
    expect(event.headers.Accept).toBe('b');
    expect(event.multiValueHeaders.Accept).toEqual(['a', 'b']);
    expect(event.headers.dpop).toBe('x');
  });

  it.each(Object.getOwnPropertyNames(Object.prototype))(
    'a header named %s arrives like any other, as an own entry with every value',
    (name) => {
      const event = buildProxyEvent(request({ rawHeaders: [name, 'a', name, 'b', 'accept', 'x'] }), context);
      expect(Object.hasOwn(event.multiValueHeaders, name)).toBe(true);
      expect(event.multiValueHeaders[name]).toEqual(['a', 'b']);
      expect(Object.hasOwn(event.headers, name)).toBe(true);
      expect(event.headers[name]).toBe('b');
      // Through JSON, as the Lambda runtime hands it over.
      expect(JSON.parse(JSON.stringify(event)).multiValueHeaders[name]).toEqual(['a', 'b']);
    },
  );

  it('appends the source IP to X-Forwarded-For and sets the forwarding headers itself', () => {
    const event = buildProxyEvent(
      request({
        rawHeaders: [
          'X-Forwarded-For',
          '10.0.0.1',
          'x-forwarded-for',
          '10.0.0.2',
          'X-Forwarded-Proto',
          'http',
        ],
      }),
      context,
    );
    expect(event.multiValueHeaders['x-forwarded-for']).toEqual(['10.0.0.1, 10.0.0.2, 192.0.2.7']);
    expect(event.headers['X-Forwarded-Proto']).toBe('https');
    expect(event.headers['X-Forwarded-Port']).toBe('8443');
    expect(event.headers['X-Amzn-Trace-Id']).toBe('Root=1-abc-def');
  });

  it('decodes query parameters like API Gateway (percent escapes, + as space), every value kept', () => {
    const event = buildProxyEvent(
      request({ url: '/oauth/par?scope=openid+email&x=%2B&x=%E2%82%AC&flag' }),
      context,
    );
    expect(event.path).toBe('/oauth/par');
    expect(event.multiValueQueryStringParameters).toEqual({
      scope: ['openid email'],
      x: ['+', '€'],
      flag: [''],
    });
    expect(event.queryStringParameters).toEqual({ scope: 'openid email', x: '€', flag: '' });
  });

  it('has null query maps without a query', () => {
    const event = buildProxyEvent(request(), context);
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
  });

  it('sends a non-empty body base64 encoded (binaryMediaTypes */*) and an empty one as null', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x80]);
    const withBody = buildProxyEvent(request({ body: bytes }), context);
    expect(withBody.isBase64Encoded).toBe(true);
    expect(Buffer.from(withBody.body!, 'base64')).toEqual(bytes);
    const empty = buildProxyEvent(request({ body: Buffer.alloc(0) }), context);
    expect(empty.body).toBeNull();
    expect(empty.isBase64Encoded).toBe(false);
  });

  it('fills the request context (ids, stage, source IP, time)', () => {
    const event = buildProxyEvent(request(), context);
    expect(event.requestContext).toMatchObject({
      requestId: 'req-1',
      stage: 'local',
      httpMethod: 'POST',
      path: '/local/oauth/token',
      requestTimeEpoch: context.now.getTime(),
      requestTime: '05/Aug/2021:09:36:04 +0000',
    });
    expect(event.requestContext.identity.sourceIp).toBe('192.0.2.7');
    expect(event.resource).toBe('/{proxy+}');
    expect(event.pathParameters).toEqual({ proxy: 'oauth/token' });
  });
});

describe('helpers', () => {
  it('formats a serial as lower-case colon-separated pairs', () => {
    expect(formatSerialNumber('0A1B2C')).toBe('0a:1b:2c');
    expect(formatSerialNumber('A1B2C')).toBe('0a:1b:2c');
  });

  it('reports IPv4-mapped addresses as IPv4 and leaves IPv6 alone', () => {
    expect(normalizeSourceIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeSourceIp('::1')).toBe('::1');
  });

  it('keeps a malformed percent escape as sent', () => {
    expect(splitTarget('/p?a=%E2%82').query).toEqual([['a', '%E2%82']]);
  });

  it('formats the request time like API Gateway', () => {
    expect(apiGatewayRequestTime(new Date('2024-01-02T03:04:05Z'))).toBe('02/Jan/2024:03:04:05 +0000');
  });
});

describe('responseFromResult', () => {
  it('merges headers and multiValueHeaders, the multi-value list winning for a name in both', () => {
    const response = responseFromResult({
      statusCode: 200,
      headers: { 'Set-Cookie': 'ignored', 'content-type': 'application/json' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: '{}',
    });
    expect(response.headers).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['content-type', 'application/json'],
    ]);
  });

  it('decodes a base64 body and takes a plain one as UTF-8', () => {
    expect(responseFromResult({ statusCode: 200, body: 'AAE=', isBase64Encoded: true }).body).toEqual(
      Buffer.from([0, 1]),
    );
    expect(responseFromResult({ statusCode: 200, body: 'é' }).body).toEqual(Buffer.from('é', 'utf8'));
  });

  it('drops hop-by-hop headers and content-length (the edge computes its own)', () => {
    const response = responseFromResult({
      statusCode: 200,
      headers: { connection: 'close', 'Content-Length': '999', 'transfer-encoding': 'chunked', etag: 'x' },
      body: 'abc',
    });
    expect(response.headers).toEqual([['etag', 'x']]);
  });
});
