/**
 * The local edge's mTLS layer with a stand-in handler (real TLS handshakes on 127.0.0.1, real
 * certificates): who gets through the handshake, the event the handler receives, and how its result
 * becomes the HTTP response. The proxy handler itself is exercised in local-edge.test.ts.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { createCertificate, createTestPki, type IssuedCertificate, type TestPki } from '../../stand-ins/pki';
import { startEdgeServer, type EdgeServer, type RequestRecord } from '../../local/edge/server';
import { httpsRequest, json } from './clients';

const DAY = 24 * 3600_000;
/** What a client sees when the server refuses its certificate (TLS 1.2 alert, or TLS 1.3 after Finished). */
const HANDSHAKE_REFUSED = /alert|ECONNRESET|socket hang up/;

let pki: TestPki;
let serverCa: IssuedCertificate;
let serverCert: IssuedCertificate;
let selfSigned: IssuedCertificate;
let expired: IssuedCertificate;
let foreign: IssuedCertificate;
let edge: EdgeServer;
const events: APIGatewayProxyEvent[] = [];
const records: RequestRecord[] = [];
let result: (event: APIGatewayProxyEvent) => APIGatewayProxyResult = () => ({ statusCode: 200, body: 'ok' });

beforeAll(async () => {
  pki = await createTestPki('Tls');
  serverCa = await createCertificate({
    subject: 'CN=Tls Server CA',
    ca: true,
    key: { type: 'rsa', bits: 2048 },
  });
  serverCert = await createCertificate({
    subject: 'CN=localhost',
    issuer: serverCa,
    key: { type: 'rsa', bits: 2048 },
    extendedKeyUsage: 'serverAuth',
    ipAddresses: ['127.0.0.1'],
  });
  selfSigned = await createCertificate({ subject: 'CN=Tls self-signed' });
  expired = await createCertificate({
    subject: 'CN=Tls expired',
    issuer: pki.intermediate,
    notBefore: new Date(Date.now() - 10 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  foreign = (await createTestPki('Foreign')).leaf;
  edge = await startEdgeServer({
    cert: serverCert.pem,
    key: serverCert.keyPem,
    truststore: pki.caBundlePem,
    handler: (event) => {
      events.push(event);
      return Promise.resolve(result(event));
    },
    onRequest: (record) => records.push(record),
  });
});

afterAll(async () => {
  await edge?.close();
});

beforeEach(() => {
  events.length = 0;
  records.length = 0;
  result = () => ({ statusCode: 200, body: 'ok' });
  edge.setTruststore(pki.caBundlePem);
});

function call(
  client: IssuedCertificate | undefined,
  extra: Partial<Parameters<typeof httpsRequest>[0]> = {},
) {
  return httpsRequest({
    port: edge.port,
    serverCa: serverCa.pem,
    cert: client?.pem,
    key: client?.keyPem,
    ...extra,
  });
}

describe('the handshake', () => {
  it('completes for a leaf issued by the trusted intermediate (the client sends only its leaf)', async () => {
    const res = await call(pki.leaf);
    expect(res.status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('fails without a client certificate, and the handler is never called', async () => {
    await expect(call(undefined)).rejects.toThrow(HANDSHAKE_REFUSED);
    expect(events).toHaveLength(0);
  });

  it('fails for an expired certificate from the trusted CA', async () => {
    await expect(call(expired)).rejects.toThrow(HANDSHAKE_REFUSED);
    expect(events).toHaveLength(0);
  });

  it('fails for a leaf of an unknown CA', async () => {
    await expect(call(foreign)).rejects.toThrow(HANDSHAKE_REFUSED);
    expect(events).toHaveLength(0);
  });

  it('fails for a self-signed certificate that is not in the truststore', async () => {
    await expect(call(selfSigned)).rejects.toThrow(HANDSHAKE_REFUSED);
    expect(events).toHaveLength(0);
  });

  it('completes for a self-signed certificate once it is in the truststore (OpenSSL, like API Gateway)', async () => {
    edge.setTruststore(pki.caBundlePem + selfSigned.pem);
    const res = await call(selfSigned);
    expect(res.status).toBe(200);
    expect(events[0]?.requestContext.identity.clientCert?.clientCertPem).toBe(selfSigned.pem);
  });

  it('stops accepting a certificate on new connections once the truststore drops it', async () => {
    edge.setTruststore(pki.caBundlePem + selfSigned.pem);
    expect((await call(selfSigned)).status).toBe(200);
    edge.setTruststore(pki.caBundlePem);
    await expect(call(selfSigned)).rejects.toThrow(HANDSHAKE_REFUSED);
  });

  it('does not let a cached TLS session resume past a truststore change', async () => {
    edge.setTruststore(pki.caBundlePem + selfSigned.pem);
    const agent = new Agent({ keepAlive: false, maxCachedSessions: 10 });
    try {
      expect((await call(selfSigned, { agent })).status).toBe(200);
      // Precondition: without a change the agent does resume its session.
      expect((await call(selfSigned, { agent })).sessionReused).toBe(true);
      edge.setTruststore(pki.caBundlePem);
      await expect(call(selfSigned, { agent })).rejects.toThrow(HANDSHAKE_REFUSED);
    } finally {
      agent.destroy();
    }
  });

  it('accepts a CBC suite on TLS 1.2 in the default profile (as API Gateway’s TLS_1_2 policy does)', async () => {
    const res = await call(pki.leaf, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256' });
    expect(res.status).toBe(200);
    expect(res.cipher).toBe('ECDHE-RSA-AES128-SHA256');
  });

  it('refuses TLS 1.1', async () => {
    await expect(
      call(pki.leaf, {
        maxVersion: 'TLSv1.1' as 'TLSv1.2',
        minVersion: 'TLSv1.1' as 'TLSv1.2',
        ciphers: 'DEFAULT@SECLEVEL=0', // the client would refuse TLS 1.1 itself otherwise
      }),
    ).rejects.toThrow(/protocol version/);
    expect(events).toHaveLength(0);
  });
});

describe('the proxy event', () => {
  it('carries the leaf in API Gateway clientCert form', async () => {
    await call(pki.leaf);
    const cert = events[0]!.requestContext.identity.clientCert!;
    const x509 = new X509Certificate(pki.leaf.pem);
    expect(cert.clientCertPem).toBe(pki.leaf.pem);
    expect(cert.subjectDN).toBe('CN=Tls client, O=Tls');
    expect(cert.issuerDN).toBe('CN=Tls Issuing CA, O=Tls');
    expect(cert.serialNumber.replace(/:/g, '').toUpperCase()).toBe(x509.serialNumber);
    expect(cert.serialNumber).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    expect(cert.validity.notBefore).toMatch(/^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4} GMT$/);
    expect(new Date(cert.validity.notAfter).getTime()).toBe(pki.leaf.cert.notAfter.getTime());
  });

  it('has the method, path, source IP, headers, query and a base64 body', async () => {
    const body = Buffer.from([0, 1, 2, 255, 254]);
    await call(pki.leaf, {
      path: '/oauth/token?a=1&a=2&b=x+y%2Bz',
      headers: [
        ['X-Multi', 'one'],
        ['X-Multi', 'two'],
        ['Content-Type', 'application/octet-stream'],
      ],
      body,
    });
    const event = events[0]!;
    expect(event.httpMethod).toBe('POST');
    expect(event.path).toBe('/oauth/token');
    expect(event.requestContext.identity.sourceIp).toBe('127.0.0.1');
    expect(event.multiValueHeaders['X-Multi']).toEqual(['one', 'two']);
    expect(event.headers['X-Multi']).toBe('two');
    expect(event.multiValueQueryStringParameters).toEqual({ a: ['1', '2'], b: ['x y+z'] });
    expect(event.queryStringParameters).toEqual({ a: '2', b: 'x y+z' });
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64')).toEqual(body);
  });

  it('has a null body when the request has none', async () => {
    await call(pki.leaf, { method: 'GET', path: '/userinfo' });
    expect(events[0]!.body).toBeNull();
    expect(events[0]!.isBase64Encoded).toBe(false);
    expect(events[0]!.queryStringParameters).toBeNull();
  });

  it('appends the source IP to a client X-Forwarded-For, as API Gateway does', async () => {
    await call(pki.leaf, { headers: [['X-Forwarded-For', '203.0.113.9']] });
    expect(events[0]!.headers['X-Forwarded-For']).toBe('203.0.113.9, 127.0.0.1');
  });
});

describe('the response', () => {
  it('relays every value of multi-value headers and decodes a base64 body', async () => {
    result = () => ({
      statusCode: 201,
      headers: { 'content-type': 'application/octet-stream' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: Buffer.from([9, 8, 7]).toString('base64'),
      isBase64Encoded: true,
    });
    const res = await call(pki.leaf);
    expect(res.status).toBe(201);
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.body).toEqual(Buffer.from([9, 8, 7]));
  });

  it('answers 502 like API Gateway when the handler throws, and records the error', async () => {
    result = () => {
      throw new Error('boom');
    };
    const res = await call(pki.leaf);
    expect(res.status).toBe(502);
    expect(json(res)).toEqual({ message: 'Internal server error' });
    expect(records[0]).toMatchObject({ statusCode: 502, handlerError: 'boom', path: '/oauth/token' });
  });
});
