/**
 * A real HTTP upstream on 127.0.0.1 standing in for Auth0's forwarding target. By default it echoes the
 * request it received as JSON (the local edge's built-in upstream); tests can install their own
 * responder. It records every request byte-exact and counts TCP connections.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { close, listen } from './listen';

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query exactly as received. */
  readonly url: string;
  /** Header names and values in arrival order, names as sent. */
  readonly rawHeaders: readonly string[];
  /** Lower-cased names → every value, in order. */
  readonly headers: Readonly<Record<string, string[]>>;
  readonly body: Buffer;
  readonly remoteAddress: string;
}

export type Responder = (request: ReceivedRequest, res: ServerResponse) => void;

export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  respond(responder: Responder | undefined): void;
  close(): Promise<void>;
}

export function headersOf(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers = Object.create(null) as Record<string, string[]>;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    (headers[name] ??= []).push(rawHeaders[i + 1]!);
  }
  return headers;
}

/** The echo answer: the request as the upstream saw it. */
export function echo(request: ReceivedRequest, res: ServerResponse): void {
  const body = JSON.stringify({
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body.toString('utf8'),
    bodyBase64: request.body.toString('base64'),
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function collect(req: IncomingMessage): Promise<ReceivedRequest> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () =>
      resolve({
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        headers: headersOf(req.rawHeaders),
        body: Buffer.concat(chunks),
        remoteAddress: req.socket.remoteAddress ?? '',
      }),
    );
  });
}

export async function startUpstream(port = 0): Promise<Upstream> {
  const received: ReceivedRequest[] = [];
  let responder: Responder = echo;
  let connections = 0;
  const server = createServer((req, res) => {
    void collect(req).then((request) => {
      received.push(request);
      responder(request, res);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', () => {
    connections += 1;
  });
  const bound = await listen(server, port);
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    received,
    connections: () => connections,
    respond: (r) => {
      responder = r ?? echo;
    },
    close: () => close(server),
  };
}
