/**
 * The upstream client against real HTTP servers on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createForwarder, UpstreamFailure, UpstreamTimeout } from '../../lambda/proxy/forward';
import { close, listen } from '../../stand-ins/listen';
import { createCertificate } from '../../stand-ins/pki';

function request(body = 'x=1') {
  return {
    method: 'POST',
    pathAndQuery: '/oauth/token',
    headers: ['host', 'example'],
    body: Buffer.from(body),
  };
}

async function withServer(
  handle: (req: IncomingMessage, res: ServerResponse, socketRequestNo: number) => void,
  run: (url: URL, connections: () => number) => Promise<void>,
): Promise<void> {
  let connections = 0;
  const perSocket = new WeakMap<object, number>();
  const server = createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    req.resume();
    req.on('end', () => handle(req, res, n));
  });
  server.on('connection', () => connections++);
  const port = await listen(server);
  try {
    await run(new URL(`http://127.0.0.1:${port}`), () => connections);
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

  it('sends a request once more on a fresh connection when a kept-alive socket turns out dead', async () => {
    await withServer(
      (_req, res, n) => {
        // The second request on a connection finds it "closed by the peer while frozen".
        if (n === 2) res.socket?.destroy();
        else res.end('ok');
      },
      async (url, connections) => {
        const forward = createForwarder(url, 5000);
        expect((await forward(request())).statusCode).toBe(200);
        expect((await forward(request())).statusCode).toBe(200);
        expect(connections()).toBe(2);
      },
    );
  });

  it('does not resend when the first attempt ran on a fresh connection', async () => {
    let seen = 0;
    await withServer(
      (_req, res) => {
        seen++;
        res.socket?.destroy();
      },
      async (url) => {
        const forward = createForwarder(url, 5000);
        await expect(forward(request())).rejects.toBeInstanceOf(UpstreamFailure);
        expect(seen).toBe(1);
      },
    );
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
      const forward = createForwarder(target, 5000, ca.pem);
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
