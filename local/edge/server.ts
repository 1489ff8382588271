/**
 * The local edge's mTLS front door: a real HTTPS server on 127.0.0.1 that behaves like one of the
 * edge's two front doors and hands the proxy Lambda's handler (or a stand-in, in tests of this layer)
 * that front door's event:
 * - API Gateway (default): the handshake completes only for a client certificate that chains to the
 *   truststore; the handler gets the REST API proxy event (stand-ins/api-gateway.ts).
 * - ALB (`frontDoor: 'alb'`): mutual TLS passthrough under the listener's TLS policy
 *   (shared/contracts/alb.ts). The handshake takes any client certificate (the client still proves it
 *   holds the key) and the handler gets the ALB target event with the presented chain
 *   (stand-ins/alb.ts).
 */
import type { ALBEvent, ALBResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { randomUUID, X509Certificate } from 'node:crypto';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { formatDn } from '../../shared/certificate';
import { ALB_LAMBDA_LIMITS } from '../../shared/contracts/alb';
import { listen } from '../../stand-ins/listen';
import { ALB_BAD_GATEWAY, buildAlbEvent, responseFromAlbResult } from '../../stand-ins/alb';
import {
  buildProxyEvent,
  INTERNAL_SERVER_ERROR,
  normalizeSourceIp,
  responseFromResult,
  traceIdFor,
  type HttpResponse,
  type ReceivedHttpRequest,
} from '../../stand-ins/api-gateway';
import { albListenerTlsOptions, tlsProfileOptions, type TlsProfile } from './tls-profile';
import { errorMessage } from '../../shared/errors';

export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
export type AlbHandler = (event: ALBEvent) => Promise<ALBResult>;

/** API Gateway's payload limit for a Lambda proxy integration. */
export const MAX_REQUEST_BODY_BYTES = 6 * 1024 * 1024;

export interface RequestRecord {
  readonly requestId: string;
  /** `X-Amzn-Trace-Id` of the event (it travels on to the upstream). */
  readonly traceId: string;
  readonly method: string;
  readonly path: string;
  readonly statusCode: number;
  readonly latencyMs: number;
  /** Subject DN of the client certificate. */
  readonly subject: string | undefined;
  /** Set when the handler threw or returned something unusable (API Gateway then answers 502). */
  readonly handlerError?: string;
  /** `error` and `error_description` of a JSON error answer (4xx/5xx), from whoever produced it. */
  readonly error?: string;
  readonly errorDescription?: string;
}

interface CommonServerOptions {
  /** Server certificate (PEM, optionally followed by its chain) and key. */
  readonly cert: string;
  readonly key: string;
  /** @default 0 (ephemeral) */
  readonly port?: number;
  /** Called once per answered request. */
  readonly onRequest?: (record: RequestRecord) => void;
}

export interface ApiGatewayServerOptions extends CommonServerOptions {
  /** @default 'api-gateway' */
  readonly frontDoor?: 'api-gateway';
  readonly handler: ProxyHandler;
  /** Trusted client certificates (PEM): CA bundle + registered self-signed certificates. */
  readonly truststore: string;
  /** @default 'default' */
  readonly tlsProfile?: TlsProfile;
}

export interface AlbServerOptions extends CommonServerOptions {
  readonly frontDoor: 'alb';
  readonly handler: AlbHandler;
  /** The name the chain is handed over under (the listener's renamed header). @default ALB_CLIENT_CERT_HEADER */
  readonly certHeader?: string;
}

export type EdgeServerOptions = ApiGatewayServerOptions | AlbServerOptions;

/** A started front door server. */
export interface RunningServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** The API Gateway front door's server: its truststore can change. */
export interface EdgeServer extends RunningServer {
  /** Swaps the trusted client certificates for new handshakes; established connections keep theirs. */
  setTruststore(pem: string): void;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

function validResult(result: unknown): result is APIGatewayProxyResult {
  const r = result as Partial<APIGatewayProxyResult> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    Number.isInteger(r.statusCode) &&
    (r.statusCode as number) >= 100 &&
    (r.statusCode as number) <= 599
  );
}

/** The OAuth-style `error` fields of a small JSON error answer. */
export function errorFieldsOf(response: HttpResponse): { error?: string; errorDescription?: string } {
  if (response.statusCode < 400 || response.body.length > 8192) return {};
  try {
    const body = JSON.parse(response.body.toString('utf8')) as {
      error?: unknown;
      error_description?: unknown;
    };
    return {
      error: typeof body.error === 'string' ? body.error : undefined,
      errorDescription: typeof body.error_description === 'string' ? body.error_description : undefined,
    };
  } catch {
    return {};
  }
}

function send(res: ServerResponse, response: HttpResponse): void {
  const flat: string[] = [];
  for (const [name, value] of response.headers) flat.push(name, value);
  flat.push('content-length', String(response.body.length));
  res.writeHead(response.statusCode, flat);
  res.end(response.body);
}

/** One front door's part of a request: the event it builds, the handler call and the answer it sends. */
interface DoorExchange {
  readonly tls: ServerOptions;
  readonly maxRequestBodyBytes: number;
  readonly tooLarge: HttpResponse;
  /** The client certificate's subject, for the log line. */
  subjectOf(socket: TLSSocket): string | undefined;
  serve(
    request: Omit<ReceivedHttpRequest, 'clientCertificate'>,
    socket: TLSSocket,
    context: { requestId: string; traceId: string; now: Date },
  ): Promise<{ response: HttpResponse; handlerError?: string }>;
}

function apiGatewayExchange(options: ApiGatewayServerOptions): DoorExchange {
  return {
    tls: {
      ...tlsProfileOptions(options.tlsProfile ?? 'default'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES,
    tooLarge: {
      statusCode: 413,
      headers: [['content-type', 'application/json']],
      body: Buffer.from(JSON.stringify({ message: 'Request Entity Too Large' })),
    },
    subjectOf: (socket) => {
      const leaf = socket.getPeerX509Certificate();
      return leaf ? formatDn(leaf.subject) : undefined;
    },
    async serve(request, socket, context) {
      const event = buildProxyEvent(
        { ...request, clientCertificate: socket.getPeerX509Certificate() },
        context,
      );
      try {
        const result = await options.handler(event);
        if (validResult(result)) return { response: responseFromResult(result) };
        return {
          response: INTERNAL_SERVER_ERROR,
          handlerError: 'the handler returned no valid proxy result',
        };
      } catch (error) {
        return { response: INTERNAL_SERVER_ERROR, handlerError: errorMessage(error) };
      }
    },
  };
}

/**
 * The chain the client presented, leaf first, as OpenSSL hands it to Node: `getPeerCertificate(true)`
 * walks the presented certificates by issuer (name and key identifiers, no signature check), so
 * presented intermediates come in issuing order and one that links to nothing is left out. Above the
 * last presented certificate Node continues in the server's CA store; this server has none of its own
 * (no `ca` option), so at most a public root of Node's could be appended, which the proxy never uses
 * as a link. A self-signed top points to itself: the walk stops there.
 */
export function presentedChainOf(socket: TLSSocket): X509Certificate[] | undefined {
  // An empty object when the client presented no certificate.
  const first = socket.getPeerCertificate(true) as Partial<DetailedPeerCertificate>;
  if (!first.raw) return undefined;
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (
    let cert: Partial<DetailedPeerCertificate> | undefined = first;
    cert?.raw && cert.fingerprint256;
    cert = cert.issuerCertificate
  ) {
    if (seen.has(cert.fingerprint256)) break;
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
  }
  return chain;
}

function albExchange(options: AlbServerOptions): DoorExchange {
  return {
    // Passthrough: any client certificate completes the handshake (the proxy decides); OpenSSL still
    // checks the client's CertificateVerify, so the client proves it holds the key.
    tls: { ...albListenerTlsOptions(), requestCert: true, rejectUnauthorized: false },
    maxRequestBodyBytes: ALB_LAMBDA_LIMITS.maxRequestBodyBytes,
    tooLarge: {
      statusCode: 413,
      headers: [['content-type', 'text/html']],
      body: Buffer.from('<html><body><center><h1>413 Request Entity Too Large</h1></center></body></html>\n'),
    },
    subjectOf: (socket) => {
      const leaf = presentedChainOf(socket)?.[0];
      return leaf ? formatDn(leaf.subject) : undefined;
    },
    async serve(request, socket, context) {
      const event = buildAlbEvent(
        { ...request, presentedChain: presentedChainOf(socket) },
        { ...context, certHeader: options.certHeader },
      );
      try {
        const result = await options.handler(event);
        const response = responseFromAlbResult(result);
        return response === ALB_BAD_GATEWAY
          ? { response, handlerError: 'the handler returned no result the ALB can use' }
          : { response };
      } catch (error) {
        return { response: ALB_BAD_GATEWAY, handlerError: errorMessage(error) };
      }
    },
  };
}

export function startEdgeServer(options: ApiGatewayServerOptions): Promise<EdgeServer>;
export function startEdgeServer(options: AlbServerOptions): Promise<RunningServer>;
export async function startEdgeServer(options: EdgeServerOptions): Promise<RunningServer | EdgeServer> {
  const door = options.frontDoor === 'alb' ? albExchange(options) : apiGatewayExchange(options);
  const truststore = options.frontDoor === 'alb' ? undefined : options.truststore;
  const contextOptions = (trusted: string | undefined): ServerOptions => ({
    ...door.tls,
    cert: options.cert,
    key: options.key,
    ...(trusted === undefined ? {} : { ca: trusted }),
  });
  const server = createServer(contextOptions(truststore));
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A failed handshake is the expected answer to an untrusted client, not an error of the edge.
  server.on('tlsClientError', () => undefined);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const now = new Date();
    const requestId = randomUUID();
    const traceId = traceIdFor(now);
    const socket = req.socket as TLSSocket;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let handlerError: string | undefined;
    let response: HttpResponse;
    const body = await readBody(req, door.maxRequestBodyBytes);
    if (body === undefined) {
      response = door.tooLarge;
    } else {
      ({ response, handlerError } = await door.serve(
        {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          rawHeaders: req.rawHeaders,
          body,
          sourceIp: normalizeSourceIp(socket.remoteAddress ?? ''),
          localPort: socket.localPort ?? 0,
        },
        socket,
        { requestId, traceId, now },
      ));
    }
    send(res, response);
    options.onRequest?.({
      requestId,
      traceId,
      method: req.method ?? '',
      path,
      statusCode: response.statusCode,
      latencyMs: performance.now() - started,
      subject: door.subjectOf(socket),
      handlerError,
      ...errorFieldsOf(response),
    });
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, options.frontDoor === 'alb' ? ALB_BAD_GATEWAY : INTERNAL_SERVER_ERROR);
      else res.destroy();
    });
  });

  const port = await listen(server, options.port ?? 0);
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  if (options.frontDoor === 'alb') return { port, server, close };
  return {
    port,
    server,
    setTruststore(pem: string) {
      server.setSecureContext(contextOptions(pem));
    },
    close,
  };
}
