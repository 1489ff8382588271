/**
 * The edge's own answers (CONTRACT 2.2) and the relayed upstream answer (2.4).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { responseHeaders } from './headers';
import type { UpstreamResponse } from './forward';

export type EdgeError =
  | 'invalid_client'
  | 'not_found'
  | 'invalid_request'
  | 'temporarily_unavailable'
  | 'bad_gateway'
  | 'gateway_timeout'
  | 'server_error';

const STATUS: Record<EdgeError, number> = {
  invalid_client: 401,
  not_found: 404,
  invalid_request: 400,
  temporarily_unavailable: 503,
  bad_gateway: 502,
  gateway_timeout: 504,
  server_error: 500,
};

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

export function edgeResponse(error: EdgeError, description: string): APIGatewayProxyResult {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (error === 'temporarily_unavailable') headers['retry-after'] = String(RETRY_AFTER_SECONDS);
  return {
    statusCode: STATUS[error],
    headers,
    body: JSON.stringify({ error, error_description: description }),
    isBase64Encoded: false,
  };
}

/** The upstream answer relayed unchanged: status, every header value, body bytes (base64). */
export function relayResponse(response: UpstreamResponse): APIGatewayProxyResult {
  return {
    statusCode: response.statusCode,
    multiValueHeaders: responseHeaders(response.rawHeaders),
    body: response.body.toString('base64'),
    isBase64Encoded: true,
  };
}
