/**
 * The upstream client: one keep-alive agent per container, `Host` and SNI of the forwarding target,
 * byte-exact bodies both ways, a hard deadline for the whole exchange.
 *
 * A request reaches Auth0 at most once. An authorization code or a PAR request used twice is not
 * harmless (RFC 6749 §4.1.2: a code used twice should revoke the tokens issued for it), and neither is
 * a DPoP proof sent twice (RFC 9449 §11.1: servers reject a replayed `jti`), so nothing is ever re-sent
 * once a byte of it was handed to a socket, whatever the method. What keeps kept-alive connections from
 * failing instead:
 * - a connection idle for IDLE_SOCKET_MS (or the upstream's `Keep-Alive: timeout` minus a second, if
 *   shorter) is closed, by a timer and, for a container that was frozen while the timer was due, by the
 *   clock before the next request picks a connection;
 * - `Connection: close` from the upstream is honoured (Node's client does not reuse such a connection);
 * - on a reused connection the request is written only after the event loop has polled once more, so
 *   a close the upstream sent right after its last answer is seen first; the request then fails with
 *   nothing written and is sent on a new connection of its own (the one retry there is).
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { errorMessage } from '../../shared/errors';

export interface UpstreamRequest {
  readonly method: string;
  /** Path and query string. */
  readonly pathAndQuery: string;
  /**
   * Node's raw header list (`[name, value, name, value, …]`), written as it is: Node still validates
   * every name and value, but builds no header map of its own.
   */
  readonly headers: readonly string[];
  readonly body: Buffer;
}

export interface UpstreamResponse {
  readonly statusCode: number;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

/** The upstream did not answer within the deadline (504). */
export class UpstreamTimeout extends Error {}
/** The upstream was unreachable or answered with something broken (502). */
export class UpstreamFailure extends Error {}

/** A Lambda proxy response may not exceed 6 MB; base64 inflates by 4/3. */
export const MAX_UPSTREAM_BODY_BYTES = 4 * 1024 * 1024;

/**
 * How long an idle upstream connection is kept. Auth0 does not document its edge's keep-alive; 4 s is
 * below the shortest common one (5 s: Node's and Apache's servers, CloudFront's origin default), far
 * below Cloudflare's 400 s. An idle gap longer than this costs one new TLS connection; a connection the
 * upstream has already dropped would cost a 502.
 */
export const IDLE_SOCKET_MS = 4000;

export type Forwarder = (request: UpstreamRequest) => Promise<UpstreamResponse>;

export interface ForwarderOptions {
  /** Extra CA certificates (PEM) for the upstream's TLS certificate; only tests pass it. @default - Node's public CAs */
  readonly trustedCa?: string;
  /** The clock that ages idle connections. @default Date.now */
  readonly now?: () => number;
}

/** Runs `fn` once the event loop has polled for I/O at least once more (a close already sent is seen). */
function afterNextPoll(fn: () => void): void {
  setImmediate(() => setImmediate(fn));
}

export function createForwarder(target: URL, timeoutMs: number, options: ForwarderOptions = {}): Forwarder {
  const now = options.now ?? Date.now;
  const secure = target.protocol === 'https:';
  const tls = secure
    ? { minVersion: 'TLSv1.2' as const, ...(options.trustedCa ? { ca: options.trustedCa } : {}) }
    : {};
  // `timeout` closes connections idle that long (Node also honours a shorter `Keep-Alive: timeout`).
  const agentOptions = {
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxSockets: 64,
    scheduling: 'lifo' as const,
    timeout: IDLE_SOCKET_MS,
  };
  const agent = secure ? new HttpsAgent({ ...agentOptions, ...tls }) : new HttpAgent(agentOptions);
  const send = secure ? httpsRequest : httpRequest;
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  const port = target.port ? Number(target.port) : secure ? 443 : 80;
  // SNI must name the target (Auth0 answers 403 otherwise); an IP literal carries no SNI.
  const servername = secure && isIP(hostname) === 0 ? hostname : undefined;

  /** When each pooled connection last became idle. */
  const idleSince = new WeakMap<Socket, number>();
  agent.on('free', (socket: Socket) => idleSince.set(socket, now()));
  const lifetimeOf = (socket: Socket): number =>
    socket.timeout !== undefined && socket.timeout > 0 ? socket.timeout : IDLE_SOCKET_MS;

  /**
   * Drops pooled connections idle past their lifetime. Their timers do that too, but not in a container
   * that was frozen while they were due: its first request would pick a connection the upstream has
   * long closed. `agentRemove` takes a socket out of the pool (documented in Node's http.Agent).
   */
  const dropStale = (): void => {
    const at = now();
    for (const sockets of Object.values(agent.freeSockets)) {
      for (const socket of [...(sockets ?? [])]) {
        if (at - (idleSince.get(socket) ?? at) >= lifetimeOf(socket)) {
          socket.emit('agentRemove');
          socket.destroy();
        }
      }
    }
  };

  /** The request was not written at all: the error happened before a byte of it reached the socket. */
  type Failure = Error & { unsent?: boolean };

  function attempt(
    req: UpstreamRequest,
    deadline: number,
    ownConnection: boolean,
  ): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let socketBytesAtStart: number | undefined;
      let socket: Socket | undefined;
      const finish = (error: Failure | undefined, response?: UpstreamResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(response!);
      };
      const outgoing: ClientRequest = send({
        // The retry gets a connection of its own, never another pooled one.
        agent: ownConnection ? false : agent,
        ...(ownConnection ? tls : {}),
        hostname,
        port,
        servername,
        method: req.method,
        path: req.pathAndQuery,
        headers: req.headers as string[],
        setHost: false,
      });
      const timer = setTimeout(
        () => {
          finish(new UpstreamTimeout(`no complete answer within ${timeoutMs} ms`));
          outgoing.destroy();
        },
        Math.max(0, deadline - Date.now()),
      );
      const write = (): void => {
        if (!settled) outgoing.end(req.body.length > 0 ? req.body : undefined);
      };
      outgoing.once('socket', (assigned: Socket) => {
        socket = assigned;
        // Node writes nothing of the request before this event returns (the head goes with end()).
        socketBytesAtStart = assigned.bytesWritten;
        if (outgoing.reusedSocket) afterNextPoll(write);
        else write();
      });
      outgoing.on('error', (error: Failure) => {
        error.unsent = socket !== undefined && socket.bytesWritten === socketBytesAtStart;
        finish(error);
      });
      outgoing.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_UPSTREAM_BODY_BYTES) {
            finish(new UpstreamFailure(`response body larger than ${MAX_UPSTREAM_BODY_BYTES} bytes`));
            outgoing.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => finish(new UpstreamFailure(`broken response: ${error.message}`)));
        res.on('aborted', () => finish(new UpstreamFailure('response aborted')));
        res.on('end', () => {
          if (!res.complete) return finish(new UpstreamFailure('response ended early'));
          finish(undefined, {
            statusCode: res.statusCode ?? 502,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
          });
        });
      });
    });
  }

  return async (req) => {
    const deadline = Date.now() + timeoutMs;
    dropStale();
    try {
      return await attempt(req, deadline, false);
    } catch (error) {
      // Only a request of which nothing was written is sent again (once, on its own connection).
      if ((error as Failure).unsent === true && Date.now() < deadline) {
        try {
          return await attempt(req, deadline, true);
        } catch (retryError) {
          throw classify(retryError);
        }
      }
      throw classify(error);
    }
  };
}

function classify(error: unknown): Error {
  if (error instanceof UpstreamTimeout || error instanceof UpstreamFailure) return error;
  return new UpstreamFailure(`upstream unreachable: ${errorMessage(error)}`);
}
