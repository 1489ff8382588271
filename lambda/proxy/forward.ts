/**
 * The upstream client: one keep-alive agent per container, `Host` and SNI of the forwarding target,
 * byte-exact bodies both ways, a hard deadline for the whole exchange.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

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

export type Forwarder = (request: UpstreamRequest) => Promise<UpstreamResponse>;

const RETRYABLE_ON_REUSED_SOCKET = new Set(['ECONNRESET', 'EPIPE']);

/**
 * @param trustedCa extra CA certificates (PEM) for the upstream's TLS certificate; only tests pass it
 *   (a local HTTPS upstream). The Lambda trusts the public CAs Auth0's edge uses.
 */
export function createForwarder(target: URL, timeoutMs: number, trustedCa?: string): Forwarder {
  const secure = target.protocol === 'https:';
  const agentOptions = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 64, scheduling: 'lifo' as const };
  const agent = secure
    ? new HttpsAgent({ ...agentOptions, minVersion: 'TLSv1.2', ...(trustedCa ? { ca: trustedCa } : {}) })
    : new HttpAgent(agentOptions);
  const send = secure ? httpsRequest : httpRequest;
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  const port = target.port ? Number(target.port) : secure ? 443 : 80;
  // SNI must name the target (Auth0 answers 403 otherwise); an IP literal carries no SNI.
  const servername = secure && isIP(hostname) === 0 ? hostname : undefined;

  function attempt(req: UpstreamRequest, deadline: number): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let gotResponse = false;
      const finish = (error: Error | undefined, response?: UpstreamResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(response!);
      };
      const outgoing = send({
        agent,
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
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        const retryable =
          outgoing.reusedSocket &&
          !settled &&
          error.code !== undefined &&
          RETRYABLE_ON_REUSED_SOCKET.has(error.code);
        // A kept-alive socket the peer closed while the container was frozen: the request never
        // reached the upstream, so it is sent once more on a fresh connection (Node's documented pattern).
        Object.assign(error, { retryOnFreshSocket: retryable && !gotResponse });
        finish(error);
      });
      outgoing.on('response', (res) => {
        gotResponse = true;
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
      outgoing.end(req.body.length > 0 ? req.body : undefined);
    });
  }

  return async (req) => {
    const deadline = Date.now() + timeoutMs;
    try {
      return await attempt(req, deadline);
    } catch (error) {
      if ((error as { retryOnFreshSocket?: boolean }).retryOnFreshSocket && Date.now() < deadline) {
        try {
          return await attempt(req, deadline);
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
  return new UpstreamFailure(`upstream unreachable: ${(error as Error).message}`);
}
