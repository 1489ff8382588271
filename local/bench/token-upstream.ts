/**
 * The benchmark's forwarding target: a keep-alive HTTP/1.1 server on 127.0.0.1 answering every request
 * like Auth0's token endpoint (a JWT-sized access token), the same answer for every handler.
 *
 * Hand-rolled on `net` rather than `http`: it runs inside the measured process (warm-runner.ts), where
 * everything it allocates brings the next garbage collection closer for whichever handler is being
 * timed. It answers from one pre-built buffer and allocates next to nothing per request. It understands
 * only what the two handlers send (a request head and a Content-Length body) and answers anything
 * else with 400, which the benchmark treats as a failure, never as a measurement.
 */
import { createServer, type Socket } from 'node:net';
import { listen } from '../../stand-ins/listen';

export const TOKEN_RESPONSE = JSON.stringify({
  access_token: `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${'x'.repeat(600)}.${'s'.repeat(342)}`,
  scope: 'read:things',
  expires_in: 86400,
  token_type: 'Bearer',
});

const ANSWER = Buffer.from(
  'HTTP/1.1 200 OK\r\n' +
    'content-type: application/json\r\n' +
    'cache-control: no-store\r\n' +
    `content-length: ${Buffer.byteLength(TOKEN_RESPONSE)}\r\n` +
    'connection: keep-alive\r\n' +
    'keep-alive: timeout=65\r\n' +
    '\r\n' +
    TOKEN_RESPONSE,
);
const REFUSAL = Buffer.from('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** The two spellings Node's client sends (its own, and the lower-case names the proxy sets). */
const CONTENT_LENGTH = [Buffer.from('\r\ncontent-length:'), Buffer.from('\r\nContent-Length:')];
const TRANSFER_ENCODING = [Buffer.from('\r\ntransfer-encoding:'), Buffer.from('\r\nTransfer-Encoding:')];
const MAX_HEAD_BYTES = 64 * 1024;

export interface TokenUpstream {
  readonly url: string;
  readonly port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Content-Length of a request head (latin1), or undefined when it has none or is chunked. */
export function requestBodyLength(head: string): number | undefined {
  if (/\r\ntransfer-encoding:/i.test(head)) return undefined;
  const match = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)/i.exec(head);
  return match ? Number(match[1]) : 0;
}

/**
 * Body length of the request whose head ends at `headEnd`. The usual spellings are found in the buffer
 * itself: turning a 3 kB head (the proxy's, with its client-certificate header) into a string on every
 * request would charge the edge for the stand-in's garbage. Anything else takes the general path.
 */
function bodyLengthOf(data: Buffer, headEnd: number): number | undefined {
  const within = (needle: Buffer): number => {
    const at = data.indexOf(needle);
    return at >= 0 && at < headEnd ? at : -1;
  };
  if (TRANSFER_ENCODING.some((needle) => within(needle) >= 0)) return undefined;
  for (const needle of CONTENT_LENGTH) {
    const at = within(needle);
    if (at < 0) continue;
    let i = at + needle.length;
    while (data[i] === 0x20 || data[i] === 0x09) i += 1;
    let length = 0;
    let digits = 0;
    for (; data[i]! >= 0x30 && data[i]! <= 0x39; i += 1, digits += 1) length = length * 10 + data[i]! - 0x30;
    while (data[i] === 0x20 || data[i] === 0x09) i += 1;
    if (digits > 0 && data[i] === 0x0d) return length;
    break;
  }
  return requestBodyLength(data.toString('latin1', 0, headEnd));
}

function serve(socket: Socket): void {
  let pending: Buffer | undefined;
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    let data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    // One or more pipelined requests may sit in `data`; answer each complete one.
    for (;;) {
      const headEnd = data.indexOf(HEAD_END);
      if (headEnd < 0) {
        if (data.length > MAX_HEAD_BYTES) return void socket.end(REFUSAL);
        if (data.length > 0) pending = data;
        return;
      }
      const bodyLength = bodyLengthOf(data, headEnd);
      if (bodyLength === undefined) return void socket.end(REFUSAL);
      const end = headEnd + HEAD_END.length + bodyLength;
      if (data.length < end) {
        pending = data;
        return;
      }
      socket.write(ANSWER);
      data = data.subarray(end);
    }
  });
}

export async function startTokenUpstream(): Promise<TokenUpstream> {
  let connections = 0;
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    connections += 1;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    serve(socket);
  });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
