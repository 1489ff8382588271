/**
 * The benchmark's in-process token upstream is hand-rolled on `net`; these check that it speaks enough
 * HTTP/1.1 for Node's own client (keep-alive, Content-Length bodies, requests split across packets,
 * pipelined requests) and refuses what it does not understand instead of answering it.
 */
import { request, Agent } from 'node:http';
import { connect } from 'node:net';
import {
  TOKEN_RESPONSE,
  requestBodyLength,
  startTokenUpstream,
  type TokenUpstream,
} from '../../local/bench/token-upstream';

let upstream: TokenUpstream;
beforeAll(async () => {
  upstream = await startTokenUpstream();
});
afterAll(() => upstream.close());

/** Sends the chunks 20 ms apart (each its own packet), then collects answers for 150 ms more. */
function rawExchange(chunks: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(upstream.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', reject);
    socket.on('connect', () => {
      chunks.forEach((chunk, i) => setTimeout(() => socket.write(chunk), i * 20));
      setTimeout(
        () => {
          socket.destroy();
          resolve(received);
        },
        chunks.length * 20 + 150,
      );
    });
  });
}

const answers = (text: string): number => text.split('HTTP/1.1 ').length - 1;

describe('benchmark token upstream', () => {
  it('reads Content-Length, treats no length as no body, and refuses chunked bodies', () => {
    expect(requestBodyLength('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12')).toBe(12);
    expect(requestBodyLength('POST / HTTP/1.1\r\ncontent-length:7\r\nHost: x')).toBe(7);
    expect(requestBodyLength('GET / HTTP/1.1\r\nHost: x')).toBe(0);
    expect(
      requestBodyLength('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3'),
    ).toBeUndefined();
    // A header that merely ends in "content-length" is not Content-Length.
    expect(requestBodyLength('POST / HTTP/1.1\r\nx-content-length: 9')).toBe(0);
  });

  it('answers Node http requests with the token on one kept-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = upstream.connections();
    for (const body of ['grant_type=client_credentials', '', 'x'.repeat(70_000)]) {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { agent, host: '127.0.0.1', port: upstream.port, method: 'POST', path: '/oauth/token' },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(answer).toEqual({ status: 200, body: TOKEN_RESPONSE });
    }
    expect(upstream.connections() - before).toBe(1);
    agent.destroy();
  });

  it('answers a request split across packets, and pipelined requests, once each', async () => {
    // Bodies that look like a request head: read as anything but a body, they would draw extra answers.
    const one = 'POST /oauth/token HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\nh\r\n\r\nlo';
    const split = await rawExchange([one.slice(0, 20), one.slice(20, 50), one.slice(50)]);
    expect(answers(split)).toBe(1);
    expect(split).toContain('HTTP/1.1 200 OK');
    // Node's two spellings take a fast path; any other spelling the general one.
    const odd = 'POST /oauth/token HTTP/1.1\r\nHost: a\r\nCONTENT-length:  5 \r\n\r\n\r\n\r\nc';
    const lower = 'POST /oauth/token HTTP/1.1\r\ncontent-length:6\r\n\r\nx\r\n\r\ny';
    const pipelined = await rawExchange([one + odd + lower + 'GET / HTTP/1.1\r\nHost: a\r\n\r\n']);
    expect(answers(pipelined)).toBe(4);
    expect(pipelined.split('HTTP/1.1 200 OK').length - 1).toBe(4);
  });

  it('refuses a chunked request with 400 and closes', async () => {
    const answer = await rawExchange([
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).not.toContain(TOKEN_RESPONSE);
  });
});
