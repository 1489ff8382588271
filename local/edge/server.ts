/**
 * The local edge's mTLS front door: a real HTTPS server on 127.0.0.1 that behaves like API Gateway's mTLS
 * layer (the handshake completes only for a client certificate that chains to the truststore), builds
 * the REST API proxy event and hands it to an injected handler — the proxy Lambda's handler in the local
 * edge, a stand-in in tests of this layer.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { formatDn } from '../../shared/certificate';
import { listen } from '../../stand-ins/listen';
import {
  buildProxyEvent,
  INTERNAL_SERVER_ERROR,
  normalizeSourceIp,
  responseFromResult,
  traceIdFor,
  type HttpResponse,
} from '../../stand-ins/api-gateway';
import { tlsProfileOptions, type TlsProfile } from './tls-profile';
import { errorMessage } from '../../shared/errors';

export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

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

export interface EdgeServerOptions {
  readonly handler: ProxyHandler;
  /** Server certificate (PEM, optionally followed by its chain) and key. */
  readonly cert: string;
  readonly key: string;
  /** Trusted client certificates (PEM): CA bundle + registered self-signed certificates. */
  readonly truststore: string;
  /** @default 'default' */
  readonly tlsProfile?: TlsProfile;
  /** @default 0 (ephemeral) */
  readonly port?: number;
  /** Called once per answered request. */
  readonly onRequest?: (record: RequestRecord) => void;
}

export interface EdgeServer {
  readonly port: number;
  readonly server: Server;
  /** Swaps the trusted client certificates for new handshakes; established connections keep theirs. */
  setTruststore(pem: string): void;
  close(): Promise<void>;
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

export async function startEdgeServer(options: EdgeServerOptions): Promise<EdgeServer> {
  const profile = tlsProfileOptions(options.tlsProfile ?? 'default');
  const contextOptions = (truststore: string) => ({
    ...profile,
    cert: options.cert,
    key: options.key,
    ca: truststore,
  });
  const server = createServer({
    ...contextOptions(options.truststore),
    requestCert: true,
    rejectUnauthorized: true,
  });
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
    const clientCertificate = socket.getPeerX509Certificate();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let handlerError: string | undefined;
    let response: HttpResponse;
    const body = await readBody(req, MAX_REQUEST_BODY_BYTES);
    if (body === undefined) {
      response = {
        statusCode: 413,
        headers: [['content-type', 'application/json']],
        body: Buffer.from(JSON.stringify({ message: 'Request Entity Too Large' })),
      };
    } else {
      const event = buildProxyEvent(
        {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          rawHeaders: req.rawHeaders,
          body,
          sourceIp: normalizeSourceIp(socket.remoteAddress ?? ''),
          localPort: socket.localPort ?? 0,
          clientCertificate,
        },
        { requestId, traceId, now },
      );
      try {
        const result = await options.handler(event);
        if (validResult(result)) {
          response = responseFromResult(result);
        } else {
          handlerError = 'the handler returned no valid proxy result';
          response = INTERNAL_SERVER_ERROR;
        }
      } catch (error) {
        handlerError = errorMessage(error);
        response = INTERNAL_SERVER_ERROR;
      }
    }
    send(res, response);
    options.onRequest?.({
      requestId,
      traceId,
      method: req.method ?? '',
      path,
      statusCode: response.statusCode,
      latencyMs: performance.now() - started,
      subject: clientCertificate ? formatDn(clientCertificate.subject) : undefined,
      handlerError,
      ...errorFieldsOf(response),
    });
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, INTERNAL_SERVER_ERROR);
      else res.destroy();
    });
  });

  const port = await listen(server, options.port ?? 0);
  return {
    port,
    server,
    setTruststore(pem) {
      server.setSecureContext(contextOptions(pem));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
