/**
 * Real TLS clients for the end-to-end tests: Node's `https` and the `curl` command line.
 */
import { execFile } from 'node:child_process';
import { request, type Agent } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface ClientResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** Whether the request went over an already established connection. */
  readonly reusedSocket: boolean;
  /** Whether the TLS session was resumed from an earlier connection. */
  readonly sessionReused: boolean;
  /** The negotiated protocol and cipher. */
  readonly protocol: string | null;
  readonly cipher: string;
}

export interface ClientRequest {
  readonly port: number;
  /** PEM of the CA that issued the edge's server certificate. */
  readonly serverCa: string;
  readonly cert?: string;
  readonly key?: string;
  readonly path?: string;
  readonly method?: string;
  /** Header pairs, sent in order (a name may repeat). */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer | string;
  readonly agent?: Agent;
  readonly ciphers?: string;
  readonly maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly minVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

/** One HTTPS request; rejects when the handshake or the connection fails. */
export function httpsRequest(options: ClientRequest): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    // With headers as a raw list Node adds no Host header of its own.
    const flat: string[] = [];
    const pairs = options.headers ?? [];
    if (!pairs.some(([name]) => name.toLowerCase() === 'host'))
      flat.push('Host', `127.0.0.1:${options.port}`);
    for (const [name, value] of pairs) flat.push(name, value);
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path ?? '/oauth/token',
        method: options.method ?? 'POST',
        ca: options.serverCa,
        cert: options.cert,
        key: options.key,
        ciphers: options.ciphers,
        maxVersion: options.maxVersion,
        minVersion: options.minVersion,
        agent: options.agent ?? false,
        headers: flat as unknown as Record<string, string>,
      },
      (res) => {
        // Read the TLS facts now: a keep-alive agent detaches the socket once the response ends.
        const socket = res.socket as TLSSocket;
        const tlsFacts = {
          sessionReused: socket.isSessionReused(),
          protocol: socket.getProtocol(),
          cipher: socket.getCipher().name,
        };
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
            reusedSocket: req.reusedSocket,
            ...tlsFacts,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The JSON body of a response. */
export function json<T = Record<string, unknown>>(response: ClientResponse): T {
  return JSON.parse(response.body.toString('utf8')) as T;
}

export interface CurlResult {
  /** curl's exit code (35: TLS handshake failure, 56: failure receiving data, e.g. a TLS 1.3 alert). */
  readonly exitCode: number;
  readonly status: number | undefined;
  readonly body: string;
  readonly stderr: string;
}

/** Runs `curl` with the given arguments; the status comes from `--write-out`. */
export function curl(args: readonly string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['--silent', '--show-error', '--max-time', '20', '--write-out', '\n%{http_code}', ...args],
      { encoding: 'utf8' },
      (error, stdout, stderr) => {
        const cut = stdout.lastIndexOf('\n');
        const code = Number(stdout.slice(cut + 1));
        resolve({
          exitCode: error ? ((error as { code?: number }).code ?? 1) : 0,
          status: code > 0 ? code : undefined,
          body: stdout.slice(0, Math.max(cut, 0)),
          stderr,
        });
      },
    );
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `deadlineMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  deadlineMs = 15_000,
  intervalMs = 200,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) {
      throw new Error(`${what}: not within ${deadlineMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
