/**
 * The upstream client against real HTTP servers on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import {
  createForwarder,
  IDLE_SOCKET_MS,
  UpstreamFailure,
  UpstreamTimeout,
} from '../../lambda/proxy/forward';
import { close, listen } from '../../stand-ins/listen';
import { createCertificate } from '../../stand-ins/pki';

function request(body = 'x=1', id = 'r') {
  return {
    method: 'POST',
    pathAndQuery: '/oauth/token',
    headers: ['host', 'example', 'x-request-id', id],
    body: Buffer.from(body),
  };
}

/** A CA and a `localhost` server certificate for the HTTPS variants. */
async function httpsUpstreamCertificates(): Promise<{ caPem: string; key: string; cert: string }> {
  const ca = await createCertificate({ subject: 'CN=Upstream CA', ca: true });
  const server = await createCertificate({
    subject: 'CN=localhost',
    issuer: ca,
    dnsNames: ['localhost'],
    extendedKeyUsage: 'serverAuth',
  });
  return { caPem: ca.pem, key: server.keyPem, cert: server.pem };
}

async function withServer(
  handle: (req: IncomingMessage, res: ServerResponse, socketRequestNo: number) => void,
  run: (url: URL, connections: () => number) => Promise<void>,
  tls?: { key: string; cert: string },
): Promise<void> {
  let connections = 0;
  const perSocket = new WeakMap<object, number>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    req.resume();
    req.on('end', () => handle(req, res, n));
  };
  const server = tls ? createHttpsServer(tls, onRequest) : createServer(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', () => connections++);
  const port = await listen(server);
  try {
    await run(new URL(`${tls ? 'https://localhost' : 'http://127.0.0.1'}:${port}`), () => connections);
  } finally {
    await close(server);
  }
}

describe('createForwarder', () => {
  it('reuses one keep-alive connection for sequential requests', async () => {
    await withServer(
      (_req, res) => res.end('ok'),
      async (url, connections) => {
        const forward = createForwarder(url, 5000);
        for (let i = 0; i < 20; i++) expect((await forward(request())).statusCode).toBe(200);
        expect(connections()).toBe(1);
      },
    );
  });

  it('never sends a POST twice: an upstream that reads it on a kept-alive connection and resets answers 502, seen once', async () => {
    const seen: string[] = [];
    await withServer(
      (req, res, n) => {
        seen.push(String(req.headers['x-request-id']));
        // The second request on a connection is read (and, for all we know, acted upon), then reset.
        if (n === 2) req.socket.resetAndDestroy();
        else res.end('ok');
      },
      async (url) => {
        const forward = createForwarder(url, 5000);
        expect((await forward(request('code=1', 'first'))).statusCode).toBe(200);
        await expect(forward(request('code=2', 'second'))).rejects.toBeInstanceOf(UpstreamFailure);
        expect(seen).toEqual(['first', 'second']);
      },
    );
  });

  it.each([
    ['closes', 'destroy', 'http'],
    ['half-closes (FIN, then still reads)', 'end', 'http'],
    ['half-closes (FIN, then still reads)', 'end', 'https'],
  ] as const)(
    'an upstream that %s 20%% of its kept-alive connections right after answering (%s, %s): 0 failures, 0 duplicates',
    async (_how, close, protocol) => {
      const TOTAL = 400;
      const CONCURRENCY = 8;
      const seen = new Map<string, number>();
      let answered = 0;
      const tls = protocol === 'https' ? await httpsUpstreamCertificates() : undefined;
      await withServer(
        (req, res) => {
          const id = String(req.headers['x-request-id']);
          seen.set(id, (seen.get(id) ?? 0) + 1);
          answered += 1;
          // Every fifth answer ends its connection once written, without saying so (no Connection: close).
          const socket = res.socket!;
          if (answered % 5 === 0) res.on('finish', () => socket[close]());
          res.end('ok');
        },
        async (url, connections) => {
          const forward = createForwarder(url, 10_000, tls ? { trustedCa: tls.caPem } : {});
          const statuses: Array<number | string> = [];
          let next = 0;
          const worker = async () => {
            while (next < TOTAL) {
              const id = String(next++);
              statuses.push(
                await forward(request(`code=${id}`, id)).then(
                  (r) => r.statusCode,
                  (e: Error) => e.message,
                ),
              );
            }
          };
          await Promise.all(Array.from({ length: CONCURRENCY }, worker));
          expect(statuses.filter((s) => s !== 200)).toEqual([]);
          expect(seen.size).toBe(TOTAL);
          expect([...seen.entries()].filter(([, count]) => count !== 1)).toEqual([]);
          // Connections were kept alive in between: the test exercises reuse, not one connection each.
          expect(connections()).toBeLessThan(TOTAL / 2);
        },
        tls,
      );
    },
  );

  it('honours Connection: close from the upstream: the next request opens a new connection', async () => {
    await withServer(
      (_req, res, n) => {
        // Says close but leaves the connection open: only the client's honouring of it avoids a reuse.
        res.writeHead(200, n === 1 ? { connection: 'close' } : {});
        res.end('ok');
      },
      async (url, connections) => {
        const forward = createForwarder(url, 5000);
        expect((await forward(request())).statusCode).toBe(200);
        expect((await forward(request())).statusCode).toBe(200);
        expect(connections()).toBe(2);
      },
    );
  });

  it('does not reuse a connection idle for longer than the idle-socket lifetime (a frozen container’s clock)', async () => {
    let clock = 1_000_000;
    await withServer(
      (_req, res) => res.end('ok'),
      async (url, connections) => {
        const forward = createForwarder(url, 5000, { now: () => clock });
        expect((await forward(request())).statusCode).toBe(200);
        clock += IDLE_SOCKET_MS - 1;
        expect((await forward(request())).statusCode).toBe(200);
        expect(connections()).toBe(1);
        clock += IDLE_SOCKET_MS;
        expect((await forward(request())).statusCode).toBe(200);
        expect(connections()).toBe(2);
      },
    );
  });

  it('IDLE_SOCKET_MS is below a 5 s upstream keep-alive (Node, Apache and CloudFront origins default to 5 s)', () => {
    expect(IDLE_SOCKET_MS).toBeLessThan(5000);
  });

  it('gives up at the deadline with UpstreamTimeout', async () => {
    await withServer(
      () => undefined,
      async (url) => {
        const forward = createForwarder(url, 200);
        await expect(forward(request())).rejects.toBeInstanceOf(UpstreamTimeout);
      },
    );
  });

  it('refuses an oversized response body', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200);
        res.end(Buffer.alloc(5 * 1024 * 1024));
      },
      async (url) => {
        const forward = createForwarder(url, 5000);
        await expect(forward(request())).rejects.toThrow(/larger than/);
      },
    );
  });

  it('over HTTPS: SNI and Host name the target, TLS 1.2 or newer, and the server certificate is verified', async () => {
    const ca = await createCertificate({ subject: 'CN=Upstream CA', ca: true });
    const serverCert = await createCertificate({
      subject: 'CN=localhost',
      issuer: ca,
      dnsNames: ['localhost'],
      extendedKeyUsage: 'serverAuth',
    });
    const seen: Array<{ sni: string | false | null; host: string | undefined; protocol: string | null }> = [];
    const server = createHttpsServer({ key: serverCert.keyPem, cert: serverCert.pem }, (req, res) => {
      const socket = req.socket as TLSSocket;
      seen.push({ sni: socket.servername, host: req.headers.host, protocol: socket.getProtocol() });
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const port = await listen(server);
    try {
      const target = new URL(`https://localhost:${port}`);
      const forward = createForwarder(target, 5000, { trustedCa: ca.pem });
      const response = await forward({ ...request(), headers: ['host', target.host] });
      expect(response.statusCode).toBe(200);
      expect(seen).toEqual([
        { sni: 'localhost', host: `localhost:${port}`, protocol: expect.stringMatching(/^TLSv1\.[23]$/) },
      ]);
      // Without the upstream's CA the certificate is refused: nothing is sent to an unverified upstream.
      await expect(createForwarder(target, 5000)(request())).rejects.toBeInstanceOf(UpstreamFailure);
      expect(seen).toHaveLength(1);
    } finally {
      await close(server);
    }
  });
});
