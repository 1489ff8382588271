/**
 * The proxy's core: event → decision → forwarded request → response. Everything it talks to is
 * injected (the handler wires the real clients once per container; tests wire local servers).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  analyzeClientCertificate,
  type CaBundle,
  type ClientCertificateAnalysis,
} from '../../shared/certificate';
import type { ProxyConfig } from './config';
import { decide, precheck, type CaVerifiedStatus, type RejectReason } from './decision';
import { BadRequest, pathOf, readEvent, type EdgeRequest } from './event';
import { UpstreamTimeout, type Forwarder, type UpstreamResponse } from './forward';
import { upstreamHeaders } from './headers';
import type { RegistryReader } from './registry';
import { edgeResponse, relayResponse } from './responses';
import type { SecretProvider } from './secret';

export type Outcome =
  | 'forwarded'
  | 'rejected'
  | 'not_found'
  | 'bad_request'
  | 'unavailable'
  | 'bad_gateway'
  | 'gateway_timeout'
  | 'error';

/** One record per request: logged as one JSON line and counted by outcome. Never secrets, bodies or PEMs. */
export interface RequestRecord {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly outcome: Outcome;
  readonly status: number;
  readonly latencyMs: number;
  readonly caVerified?: CaVerifiedStatus;
  readonly reason?: RejectReason | string;
  readonly thumbprint?: string;
  readonly kind?: 'self-signed' | 'ca-signed';
  readonly upstreamStatus?: number;
  readonly upstreamMs?: number;
}

export interface ProxyDeps {
  readonly config: ProxyConfig;
  readonly bundle: CaBundle;
  readonly registry: RegistryReader;
  readonly secret: SecretProvider;
  readonly forward: Forwarder;
  readonly observe: (record: RequestRecord) => void;
  readonly now?: () => number;
}

export type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Analyses are pure functions of the PEM and the bundle, so they are memoized per container. */
const MAX_MEMOIZED_ANALYSES = 1000;

/** Auth0's answer when `cname-api-key` is wrong: the cached key is dropped. */
function saysInvalidApiKey(response: UpstreamResponse): boolean {
  return (
    (response.statusCode === 401 || response.statusCode === 403) &&
    response.body.length < 4096 &&
    /invalid api key/i.test(response.body.toString('utf8'))
  );
}

function queryString(query: EdgeRequest['query']): string {
  if (query.length === 0) return '';
  return '?' + query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export function createProxy(deps: ProxyDeps): Handler {
  const { config, bundle, registry, secret, forward, observe } = deps;
  const now = deps.now ?? Date.now;
  const analyses = new Map<string, ClientCertificateAnalysis>();
  const targetHost = config.forwardingTarget.host;

  const analyze = (pem: string): ClientCertificateAnalysis => {
    let analysis = analyses.get(pem);
    if (!analysis) {
      analysis = analyzeClientCertificate(pem, bundle);
      if (analyses.size >= MAX_MEMOIZED_ANALYSES) analyses.delete(analyses.keys().next().value as string);
      analyses.set(pem, analysis);
    }
    return analysis;
  };

  const handle = async (
    event: APIGatewayProxyEvent,
  ): Promise<[APIGatewayProxyResult, Omit<RequestRecord, 'status' | 'latencyMs'>]> => {
    const path = pathOf(event) ?? '';
    const base = { requestId: '', method: '', path };
    // The allow-list comes first: nothing else is looked at for other paths.
    if (!config.allowedPaths.has(path)) {
      return [
        edgeResponse('not_found', 'this host only serves the mTLS endpoints'),
        { ...base, outcome: 'not_found' },
      ];
    }
    let request: EdgeRequest;
    try {
      request = readEvent(event);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      return [
        edgeResponse('invalid_request', error.message),
        { ...base, outcome: 'bad_request', reason: error.message },
      ];
    }
    const info = { requestId: request.requestId, method: request.method, path };

    const analysis = request.clientCertPem === undefined ? undefined : analyze(request.clientCertPem);
    const pre = precheck(analysis, new Date(now()));
    const thumbprint = analysis?.ok ? analysis.cert.thumbprint : analysis?.thumbprint;
    const kind = analysis?.ok ? analysis.kind : undefined;
    const rejected = (
      reason: RejectReason,
    ): [APIGatewayProxyResult, Omit<RequestRecord, 'status' | 'latencyMs'>] => [
      edgeResponse('invalid_client', 'the client certificate is not accepted'),
      { ...info, outcome: 'rejected', reason, thumbprint, kind },
    ];
    if ('reject' in pre || !analysis?.ok) return rejected('reject' in pre ? pre.reject : 'unparsable');

    // Every forward needs the API key: fetch it alongside the registry look-up, so a cold container
    // waits for one dependency round trip instead of two (warm, both are cache hits). Its result is
    // only looked at once the decision says forward; a rejected request never uses it.
    const apiKeyPromise = secret.get();
    apiKeyPromise.catch(() => undefined);
    let decision;
    try {
      decision = decide(analysis.kind, await registry(pre.lookup), config.caSignedPolicy);
    } catch (error) {
      return [
        edgeResponse('temporarily_unavailable', 'the certificate registry cannot be checked'),
        { ...info, outcome: 'unavailable', reason: `registry: ${describe(error)}`, thumbprint, kind },
      ];
    }
    if (!decision.forward) return rejected(decision.reason);

    let apiKey: string;
    try {
      apiKey = await apiKeyPromise;
    } catch (error) {
      return [
        edgeResponse('temporarily_unavailable', 'the edge cannot reach its credentials'),
        { ...info, outcome: 'unavailable', reason: `secret: ${describe(error)}`, thumbprint, kind },
      ];
    }

    const sendsBody = request.body.length > 0 || !(request.method === 'GET' || request.method === 'HEAD');
    let headers;
    try {
      headers = upstreamHeaders(request.headers, {
        host: targetHost,
        apiKey,
        clientCertificate: analysis.header,
        caVerified: decision.caVerified,
        clientIpHeader: config.clientIpHeader,
        clientIp: request.sourceIp,
        contentLength: sendsBody ? request.body.length : undefined,
      });
    } catch (error) {
      return [
        edgeResponse('invalid_request', 'malformed headers'),
        { ...info, outcome: 'bad_request', reason: (error as Error).message },
      ];
    }
    const forwarded = { ...info, caVerified: decision.caVerified, thumbprint, kind };
    const upstreamStarted = now();
    try {
      const response = await forward({
        method: request.method,
        pathAndQuery: path + queryString(request.query),
        headers,
        body: request.body,
      });
      if (saysInvalidApiKey(response)) secret.invalidate();
      return [
        relayResponse(response),
        {
          ...forwarded,
          outcome: 'forwarded',
          upstreamStatus: response.statusCode,
          upstreamMs: now() - upstreamStarted,
        },
      ];
    } catch (error) {
      const timeout = error instanceof UpstreamTimeout;
      return [
        timeout
          ? edgeResponse('gateway_timeout', 'the authorization server did not answer in time')
          : edgeResponse('bad_gateway', 'the authorization server could not be reached'),
        {
          ...forwarded,
          outcome: timeout ? 'gateway_timeout' : 'bad_gateway',
          reason: (error as Error).message,
          upstreamMs: now() - upstreamStarted,
        },
      ];
    }
  };

  return async (event) => {
    const started = now();
    let result: APIGatewayProxyResult;
    let record: Omit<RequestRecord, 'status' | 'latencyMs'>;
    try {
      [result, record] = await handle(event);
    } catch (error) {
      result = edgeResponse('server_error', 'unexpected error');
      record = {
        requestId: '',
        method: '',
        path: pathOf(event) ?? '',
        outcome: 'error',
        reason: (error as Error)?.message,
      };
    }
    try {
      observe({ ...record, status: result.statusCode, latencyMs: now() - started });
    } catch {
      // Observability must never change the answer.
    }
    return result;
  };
}

/** A dependency error in one line for the log (SDK messages carry no secrets). */
function describe(error: unknown): string {
  const e = error as Error;
  return `${e?.name ?? 'Error'}: ${String(e?.message ?? e).slice(0, 200)}`;
}
