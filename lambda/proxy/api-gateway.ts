/**
 * The API Gateway front door: reads the REST API (payload 1.0) proxy event defensively (API Gateway sends
 * well-formed events, but the handler must answer junk with a JSON 4xx, never throw) and renders the
 * edge's answer as a proxy result. The client certificate is `requestContext.identity.clientCert` (leaf
 * only, authenticated by API Gateway's mTLS handshake).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { isIP } from 'node:net';
import { refusalBody, refusalHeaders, statusOf, type Answer } from './answers';
import { responseHeaders } from './headers';
import { bodyOf, methodOf, multiValuePairs, record, type Loose, pathOf } from './event-fields';
import { BadRequest, type EdgeRequest, type FrontDoor } from './request';

function stringPairs(single: unknown, multi: unknown, what: string): Array<[string, string]> {
  const pairs = multiValuePairs(multi, what);
  const multiRecord = record(multi);
  const singleRecord = record(single);
  if (singleRecord) {
    // Only names the multi-value map lacks (API Gateway always sends both, consistently).
    for (const name of Object.keys(singleRecord)) {
      if (multiRecord && Object.hasOwn(multiRecord, name)) continue;
      const value = singleRecord[name];
      if (typeof value !== 'string') throw new BadRequest(`malformed ${what}`);
      pairs.push([name, value]);
    }
  } else if (single !== undefined && single !== null) {
    throw new BadRequest(`malformed ${what}`);
  }
  return pairs;
}

/** @throws BadRequest when a field has the wrong shape */
function readEvent(event: APIGatewayProxyEvent): EdgeRequest {
  const e = event as unknown as Loose;
  const context = record(e.requestContext);
  const identity = record(context?.identity);
  const method = methodOf(e);
  const sourceIp = identity?.sourceIp;
  if (typeof sourceIp !== 'string' || isIP(sourceIp) === 0)
    throw new BadRequest('missing or malformed source IP');
  const requestId = typeof context?.requestId === 'string' ? context.requestId : '';
  const clientCert = record(identity?.clientCert);
  const pem = clientCert?.clientCertPem;
  const body = bodyOf(e);
  return {
    requestId,
    method,
    path: pathOf(event) ?? '',
    query: stringPairs(e.queryStringParameters, e.multiValueQueryStringParameters, 'query parameters'),
    headers: stringPairs(e.headers, e.multiValueHeaders, 'headers'),
    body,
    sourceIp,
    clientCertPem: typeof pem === 'string' && pem.length > 0 ? pem : undefined,
  };
}

function render(answer: Answer): APIGatewayProxyResult {
  if (answer.kind === 'relay') {
    return {
      statusCode: answer.upstream.statusCode,
      multiValueHeaders: responseHeaders(answer.upstream.rawHeaders),
      body: answer.upstream.body.toString('base64'),
      isBase64Encoded: true,
    };
  }
  return {
    statusCode: statusOf(answer),
    headers: refusalHeaders(answer),
    body: refusalBody(answer),
    isBase64Encoded: false,
  };
}

export const apiGateway: FrontDoor<APIGatewayProxyEvent, APIGatewayProxyResult> = {
  pathOf,
  read: readEvent,
  render,
};
