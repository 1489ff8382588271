/**
 * REST API (payload 1.0) proxy events shaped like API Gateway's, for driving the handler directly (tests
 * and the benchmark).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { X509Certificate, randomUUID } from 'node:crypto';

export interface EventOptions {
  readonly method?: string;
  readonly path?: string;
  /** Every value of every header, names as sent. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly query?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer | string;
  readonly sourceIp?: string;
}

function multi(pairs: ReadonlyArray<readonly [string, string]>): {
  single: Record<string, string>;
  multi: Record<string, string[]>;
} {
  const single: Record<string, string> = {};
  const many: Record<string, string[]> = {};
  for (const [k, v] of pairs) {
    single[k] = v;
    (many[k] ??= []).push(v);
  }
  return { single, multi: many };
}

export function apiGatewayEvent(
  clientCertPem: string | undefined,
  options: EventOptions = {},
): APIGatewayProxyEvent {
  const headers = multi(options.headers ?? [['content-type', 'application/x-www-form-urlencoded']]);
  const query = multi(options.query ?? []);
  const body =
    options.body === undefined
      ? Buffer.from('grant_type=client_credentials&client_id=abc')
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(options.body);
  const method = options.method ?? 'POST';
  const path = options.path ?? '/oauth/token';
  let clientCert: unknown = null;
  if (clientCertPem !== undefined) {
    let x509: X509Certificate | undefined;
    try {
      x509 = new X509Certificate(clientCertPem);
    } catch {
      x509 = undefined;
    }
    clientCert = {
      clientCertPem,
      subjectDN: x509?.subject.split('\n').reverse().join(',') ?? '',
      issuerDN: x509?.issuer.split('\n').reverse().join(',') ?? '',
      serialNumber: x509?.serialNumber ?? '',
      validity: { notBefore: x509?.validFrom ?? '', notAfter: x509?.validTo ?? '' },
    };
  }
  return {
    resource: path,
    path,
    httpMethod: method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: options.query?.length ? query.single : null,
    multiValueQueryStringParameters: options.query?.length ? query.multi : null,
    pathParameters: null,
    stageVariables: null,
    body: body.length > 0 ? body.toString('base64') : null,
    isBase64Encoded: body.length > 0,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      path,
      stage: 'prod',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'r',
      resourcePath: path,
      identity: {
        sourceIp: options.sourceIp ?? '203.0.113.7',
        clientCert,
      },
    },
  } as unknown as APIGatewayProxyEvent;
}
