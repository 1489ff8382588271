/**
 * The proxy's core: request → decision → forwarded request → answer, as a short pipeline of named
 * steps. Each step either hands the next one what it found or stops with one of the edge's refusals
 * (`answers.ts`). Everything it talks to is injected (`compose.ts` wires the real clients once per
 * container; tests wire local servers); the front door (`request.ts`) reads events and renders answers.
 */
import {
  analyzeClientCertificate,
  type CaBundle,
  type CertificateKind,
  type ClientCertificateAnalysis,
} from '../../shared/certificate';
import { ALLOWED_METHODS, type EdgePath } from '../../shared/contracts/proxy';
import { REFUSALS, refuse, statusOf, type Answer, type Outcome, type Refusal } from './answers';
import type { ProxyConfig } from './config';
import { decide, precheck, type CaVerifiedStatus, type Decision, type RejectReason } from './decision';
import { UpstreamTimeout, type Forwarder, type UpstreamResponse } from './forward';
import { upstreamHeaders } from './headers';
import type { RegistryReader } from './registry';
import { BadRequest, type EdgeRequest, type FrontDoor } from './request';
import type { SecretProvider } from './secret';

export type { Outcome } from './answers';

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
  readonly kind?: CertificateKind;
  readonly upstreamStatus?: number;
  readonly upstreamMs?: number;
  /** The dependency that failed (the 503's cause) and how long the edge waited for it. */
  readonly dependency?: 'registry' | 'secret';
  readonly dependencyMs?: number;
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

/** Serves one event of a front door: never throws, always answers and observes. */
export type Proxy = <Event, Result>(door: FrontDoor<Event, Result>, event: Event) => Promise<Result>;

/** Analyses are pure functions of the PEM and the bundle, so they are memoized per container. */
const MAX_MEMOIZED_ANALYSES = 1000;

/** What the log record learns while the request passes the steps. */
type MutableFacts = {
  -readonly [K in keyof Omit<RequestRecord, 'outcome' | 'status' | 'latencyMs'>]: RequestRecord[K];
};

/** A step's refusal: the answer and what the log record learns from it. */
class Stop {
  constructor(
    readonly refusal: Refusal,
    readonly reason?: string,
    readonly description?: string,
    readonly allow?: readonly string[],
  ) {}
}

/** A dependency call's result, never rejected, with the time it took to fail. */
type Settled<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly ms: number };

function settle<T>(pending: Promise<T>, now: () => number): Promise<Settled<T>> {
  const started = now();
  return pending.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error, ms: now() - started }),
  );
}

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

/** A dependency error in one line for the log (SDK messages carry no secrets). */
function describe(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown } | null | undefined;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  return `${name}: ${String(e?.message ?? error).slice(0, 200)}`;
}

export function createProxy(deps: ProxyDeps): Proxy {
  const { config, bundle, registry, secret, forward, observe } = deps;
  const now = deps.now ?? Date.now;
  const analyses = new Map<string, ClientCertificateAnalysis>();
  const targetHost = config.forwardingTarget.host;

  const analyze = (pem: string, presented: readonly string[] | undefined): ClientCertificateAnalysis => {
    // PEM blocks delimit themselves: the concatenation names the presented chain exactly.
    const key = presented === undefined || presented.length === 0 ? pem : pem + presented.join('');
    let analysis = analyses.get(key);
    if (!analysis) {
      analysis = analyzeClientCertificate(pem, bundle, presented);
      if (analyses.size >= MAX_MEMOIZED_ANALYSES) analyses.delete(analyses.keys().next().value as string);
      analyses.set(key, analysis);
    }
    return analysis;
  };

  /** Step 1: the allow-list comes first; nothing else is looked at for other paths. */
  const route = (path: string): EdgePath | Stop =>
    config.allowedPaths.has(path as EdgePath) ? (path as EdgePath) : new Stop(REFUSALS.pathNotServed);

  /** Step 2: the event, read defensively. */
  const read = <Event>(door: FrontDoor<Event, unknown>, event: Event): EdgeRequest | Stop => {
    try {
      return door.read(event);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      return new Stop(REFUSALS.malformedEvent, error.message, error.message);
    }
  };

  /** Step 3: only the path's methods (the same list the stack routes) go any further. */
  const checkMethod = (path: EdgePath, method: string): Stop | undefined => {
    const allowed: readonly string[] = ALLOWED_METHODS[path];
    return allowed.includes(method)
      ? undefined
      : new Stop(REFUSALS.methodNotAllowed, `method ${method}`, undefined, allowed);
  };

  /** Step 4: the certificate checks that need no registry (parse, size, validity, CA verification). */
  const classify = (
    request: EdgeRequest,
    facts: MutableFacts,
  ): { analysis: Extract<ClientCertificateAnalysis, { ok: true }>; lookup: string } | Stop => {
    if (request.certificateProblem) return new Stop(REFUSALS.certificateRejected, request.certificateProblem);
    const analysis =
      request.clientCertPem === undefined
        ? undefined
        : analyze(request.clientCertPem, request.presentedChain);
    facts.thumbprint = analysis?.ok ? analysis.cert.thumbprint : analysis?.thumbprint;
    facts.kind = analysis?.ok ? analysis.kind : undefined;
    const pre = precheck(analysis, new Date(now()));
    if ('reject' in pre) return new Stop(REFUSALS.certificateRejected, pre.reject);
    if (!analysis?.ok) return new Stop(REFUSALS.certificateRejected, 'unparsable');
    return { analysis, lookup: pre.lookup };
  };

  /** Step 5: the decision table over the registry's answer; fails closed when it cannot be read. */
  const consultRegistry = async (
    kind: CertificateKind,
    thumbprint: string,
    facts: MutableFacts,
  ): Promise<Extract<Decision, { forward: true }> | Stop> => {
    const answer = await settle(registry(thumbprint), now);
    if (!answer.ok) {
      facts.dependency = 'registry';
      facts.dependencyMs = answer.ms;
      return new Stop(REFUSALS.registryUnavailable, `registry: ${describe(answer.error)}`);
    }
    const decision = decide(kind, answer.value, config.caSignedPolicy);
    return decision.forward ? decision : new Stop(REFUSALS.certificateRejected, decision.reason);
  };

  /** Step 6: the CNAME API key; fails closed when it cannot be read. */
  const apiKeyOf = async (pending: Promise<Settled<string>>, facts: MutableFacts): Promise<string | Stop> => {
    const key = await pending;
    if (key.ok) return key.value;
    facts.dependency = 'secret';
    facts.dependencyMs = key.ms;
    return new Stop(REFUSALS.secretUnavailable, `secret: ${describe(key.error)}`);
  };

  /** Step 7: the headers Auth0 gets: the client's minus ours, plus ours. */
  const headersFor = (
    request: EdgeRequest,
    apiKey: string,
    clientCertificate: string,
    caVerified: CaVerifiedStatus,
  ): string[] | Stop => {
    const sendsBody = request.body.length > 0 || !(request.method === 'GET' || request.method === 'HEAD');
    try {
      return upstreamHeaders(request.headers, {
        host: targetHost,
        apiKey,
        clientCertificate,
        caVerified,
        clientIpHeader: config.clientIpHeader,
        clientIp: request.sourceIp,
        contentLength: sendsBody ? request.body.length : undefined,
      });
    } catch (error) {
      return new Stop(REFUSALS.malformedHeaders, describe(error));
    }
  };

  /** Step 8: forward and relay Auth0's answer whole, or say why not. */
  const relay = async (
    door: FrontDoor<unknown, unknown>,
    request: EdgeRequest,
    headers: string[],
    facts: MutableFacts,
  ): Promise<Answer | Stop> => {
    const started = now();
    try {
      const upstream = await forward({
        method: request.method,
        pathAndQuery: request.path + queryString(request.query),
        headers,
        body: request.body,
      });
      if (saysInvalidApiKey(upstream)) secret.invalidate();
      facts.upstreamStatus = upstream.statusCode;
      if (door.carries && !door.carries(upstream)) {
        return new Stop(REFUSALS.upstreamTooLarge, `upstream answer of ${upstream.body.length} bytes`);
      }
      return { kind: 'relay', upstream };
    } catch (error) {
      const refusal =
        error instanceof UpstreamTimeout ? REFUSALS.upstreamTimeout : REFUSALS.upstreamUnreachable;
      return new Stop(refusal, describe(error));
    } finally {
      facts.upstreamMs = now() - started;
    }
  };

  /** The pipeline: each step's refusal ends it; `facts` collects what the log record reports. */
  const serve = async <Event>(
    door: FrontDoor<Event, unknown>,
    event: Event,
    facts: MutableFacts,
  ): Promise<Answer | Stop> => {
    const path = route(facts.path);
    if (path instanceof Stop) return path;
    const request = read(door, event);
    if (request instanceof Stop) return request;
    facts.requestId = request.requestId;
    facts.method = request.method;
    const wrongMethod = checkMethod(path, request.method);
    if (wrongMethod) return wrongMethod;

    const checked = classify(request, facts);
    if (checked instanceof Stop) return checked;
    const { analysis, lookup } = checked;

    // Every forward needs the API key: fetch it alongside the registry look-up, so a cold container
    // waits for one dependency round trip instead of two (warm, both are cache hits). Its result is
    // only looked at once the decision says forward; a rejected request never uses it.
    const pendingKey = settle(secret.get(), now);
    const decision = await consultRegistry(analysis.kind, lookup, facts);
    if (decision instanceof Stop) return decision;
    const apiKey = await apiKeyOf(pendingKey, facts);
    if (apiKey instanceof Stop) return apiKey;

    const headers = headersFor(request, apiKey, analysis.header, decision.caVerified);
    if (headers instanceof Stop) return headers;
    facts.caVerified = decision.caVerified;
    return relay(door, request, headers, facts);
  };

  return async <Event, Result>(door: FrontDoor<Event, Result>, event: Event): Promise<Result> => {
    const started = now();
    const facts: MutableFacts = {
      requestId: '',
      method: '',
      path: door.pathOf(event) ?? '',
    };
    let answer: Answer;
    let outcome: Outcome;
    try {
      const served = await serve(door, event, facts);
      if (served instanceof Stop) {
        answer = refuse(served.refusal, served.description, served.allow);
        outcome = served.refusal.outcome;
        if (served.reason !== undefined) facts.reason = served.reason;
      } else {
        answer = served;
        outcome = 'forwarded';
      }
    } catch (error) {
      answer = refuse(REFUSALS.unexpected);
      outcome = REFUSALS.unexpected.outcome;
      facts.reason = describe(error);
    }
    try {
      observe({ ...facts, outcome, status: statusOf(answer), latencyMs: now() - started });
    } catch {
      // Observability must never change the answer.
    }
    return door.render(answer);
  };
}
