/**
 * The benchmark's forwarding target: a keep-alive HTTP server on 127.0.0.1 answering every request
 * like Auth0's token endpoint (a JWT-sized access token), the same answer for every handler.
 */
import { startUpstream, type Upstream } from '../support/upstream';

export const TOKEN_RESPONSE = JSON.stringify({
  access_token: `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${'x'.repeat(600)}.${'s'.repeat(342)}`,
  scope: 'read:things',
  expires_in: 86400,
  token_type: 'Bearer',
});

export async function startTokenUpstream(): Promise<Upstream> {
  // Recording off: the benchmark does not look at what the upstream received.
  const upstream = await startUpstream(0, false);
  upstream.respond((_request, res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(TOKEN_RESPONSE),
    });
    res.end(TOKEN_RESPONSE);
  });
  return upstream;
}
