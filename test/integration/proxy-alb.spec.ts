/**
 * What only the ALB front door has to get right, through the real proxy (dynalite registry, Secrets
 * Manager stand-in, recording upstream) and events built by the ALB stand-in: the client's IP from the
 * ALB's end of X-Forwarded-For, a presented chain verified up to the bundle, and a certificate header
 * that could be the client's own. The cases both front doors share are in proxy-handler.spec.ts.
 */
import { ALB_LAMBDA_LIMITS } from '../../shared/contracts/alb';
import { albEvent, encodeAlbCertificateChain } from '../../stand-ins/alb';
import { opensslPemOf } from '../../stand-ins/openssl';
import { createCertificate, type IssuedCertificate } from '../../stand-ins/pki';
import {
  albDoor,
  apiGatewayDoor,
  doorClient,
  DOORS_UNDER_TEST,
  type DoorClient,
  type Reply,
} from '../support/front-doors';
import { startHarness, type Harness } from '../support/proxy-harness';
import { useTemplateIam } from '../support/iam';

/** Every call the proxy makes is checked against the proxy role's policies in the template. */
useTemplateIam();

let h: Harness;
let send: DoorClient;
/** A CA under the bundle's intermediate that is not in the bundle: clients must present it. */
let team: IssuedCertificate;
let teamLeaf: IssuedCertificate;
let selfRegistered: IssuedCertificate;

beforeAll(async () => {
  h = await startHarness();
  send = h.client(albDoor);
  team = await createCertificate({
    subject: 'CN=Harness Team CA, O=Harness',
    ca: true,
    issuer: h.pki.intermediate,
  });
  teamLeaf = await createCertificate({ subject: 'CN=team client, O=Harness', issuer: team });
  selfRegistered = await createCertificate({ subject: 'CN=alb self registered' });
  await h.putEntry(selfRegistered.pem, 'self-signed');
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => {
  h.upstream.received.length = 0;
  h.upstream.respond(undefined);
});

function expectRejected(result: Reply): void {
  expect(result.statusCode).toBe(401);
  expect(result.json().error).toBe('invalid_client');
  expect(h.upstream.received).toHaveLength(0);
}

describe('the client IP', () => {
  it('a forged X-Forwarded-For never reaches Auth0: only the entry the ALB appended does', async () => {
    const result = await send(h.pki.leaf.pem, {
      headers: [
        ['X-Forwarded-For', '1.1.1.1'],
        ['X-Forwarded-For', '2.2.2.2, 3.3.3.3'],
      ],
      sourceIp: '198.51.100.23',
    });
    expect(result.statusCode).toBe(200);
    expect(h.upstream.received[0]!.headers['x-forwarded-for']).toEqual(['198.51.100.23']);
  });

  it("a client's X_Forwarded_For after the ALB's X-Forwarded-For in the event chooses nothing", async () => {
    const event = albEvent(h.pki.leaf.pem, { sourceIp: '198.51.100.23' });
    // Hand-built: the ALB's own header first, the client's underscore spelling last in the event.
    const headers = Object.assign(Object.create(null) as Record<string, string[]>, event.multiValueHeaders);
    headers.x_forwarded_for = ['1.1.1.1'];
    const result = await send.event({ ...event, multiValueHeaders: headers });
    expect(result.statusCode).toBe(200);
    const got = h.upstream.received[0]!;
    expect(got.headers['x-forwarded-for']).toEqual(['198.51.100.23']);
    expect(got.rawHeaders).not.toContain('1.1.1.1');
  });

  it('the same entry goes to CLIENT_IP_HEADER, alone', async () => {
    const fresh = h.client(albDoor, { CLIENT_IP_HEADER: 'cf-connecting-ip' });
    await fresh(h.pki.leaf.pem, { headers: [['X-Forwarded-For', '1.1.1.1']], sourceIp: '2001:db8::7' });
    const got = h.upstream.received[0]!.headers;
    expect(got['cf-connecting-ip']).toEqual(['2001:db8::7']);
    expect(got['x-forwarded-for']).toBeUndefined();
  });
});

describe('a presented chain', () => {
  it('a leaf of a CA outside the bundle, presented with that CA: SUCCESS, and only the leaf goes to Auth0', async () => {
    const result = await send.event(albEvent([teamLeaf.pem, team.pem]));
    expect(result.statusCode).toBe(200);
    const got = h.upstream.received[0]!.headers;
    expect(got['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    expect(got['client-certificate']).toEqual([encodeURIComponent(opensslPemOf(teamLeaf.pem))]);
  });

  it('the same leaf without its CA: 401 (and through API Gateway, which verifies the leaf only: 401)', async () => {
    expectRejected(await send.event(albEvent([teamLeaf.pem])));
    expectRejected(await h.client(apiGatewayDoor)(teamLeaf.pem));
  });

  it('a leaf minted with a registered self-signed CA:TRUE certificate, presented with it: 401', async () => {
    const partner = await createCertificate({ subject: 'CN=alb partner root, O=Partner', ca: true });
    await h.putEntry(partner.pem, 'self-signed');
    const minted = await createCertificate({ subject: 'CN=Harness client, O=Harness', issuer: partner });
    expectRejected(await send.event(albEvent([minted.pem, partner.pem])));
    // Nor through a CA the registered key issued.
    const sub = await createCertificate({
      subject: 'CN=alb partner sub, O=Partner',
      ca: true,
      issuer: partner,
    });
    const subLeaf = await createCertificate({ subject: 'CN=Harness client, O=Harness', issuer: sub });
    expectRejected(await send.event(albEvent([subLeaf.pem, sub.pem, partner.pem])));
  });

  it('a registered self-signed certificate presented with a chain is still decided by the registry alone', async () => {
    const result = await send.event(albEvent([selfRegistered.pem, h.pki.intermediate.pem]));
    expect(result.statusCode).toBe(200);
    expect(h.upstream.received[0]!.headers['client-certificate-ca-verified']).toEqual(['FAILED']);
  });
});

describe('a certificate header the client may have written', () => {
  it('a copy sent by the client beside the ALB’s own: 401, whichever copy would have passed', async () => {
    const registered = encodeAlbCertificateChain([selfRegistered.pem]);
    for (const name of ['X-Amzn-Mtls-Clientcert', 'x_amzn_mtls_clientcert']) {
      // The client presents an unregistered certificate and claims a registered one in the header…
      const stranger = await createCertificate({ subject: 'CN=stranger' });
      expectRejected(await send(stranger.pem, { headers: [[name, registered]] }));
      // …or presents the registered one and adds a copy of it: still two copies, still refused.
      expectRejected(await send(selfRegistered.pem, { headers: [[name, registered]] }));
    }
  });

  it('with the listener header renamed (as the stack does): a client without a certificate cannot supply one under the default name', async () => {
    // The stack renames the listener's header to x-amzn-mtls-clientcert-<a suffix of the stack's id>.
    const certHeader = 'x-amzn-mtls-clientcert-3f9a0c2b71de';
    const renamed = h.client(albDoor, { ALB_CLIENT_CERT_HEADER: certHeader });
    const forged = encodeAlbCertificateChain([h.pki.leaf.pem]); // a CA-signed client's public certificate
    for (const name of ['X-Amzn-Mtls-Clientcert', 'x_amzn_mtls_clientcert']) {
      // No certificate in the handshake, so the load balancer writes no header of its own.
      expectRejected(await renamed.event(albEvent(undefined, { headers: [[name, forged]], certHeader })));
    }
    // The chain under the renamed header is the one the proxy reads; a client's default-named copy
    // beside it is only a header, and never reaches Auth0.
    const reply = await renamed.event(
      albEvent(h.pki.leaf.pem, { certHeader, headers: [['X-Amzn-Mtls-Clientcert', forged]] }),
    );
    expect(reply.statusCode).toBe(200);
    const received = h.upstream.received.at(-1)!;
    expect(received.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
    expect(Object.keys(received.headers).filter((n) => n.startsWith('x-amzn-mtls'))).toEqual([]);
  });

  it('ALB_CLIENT_CERT_HEADER must keep the x-amzn-mtls-clientcert prefix (a client copy of it is stripped)', () => {
    for (const bad of [
      'client-certificate',
      'x-amzn-mtls-clientcert_x',
      'x-other',
      'x-amzn-mtls-clientcert-',
    ]) {
      expect(() => h.proxyWith({ ALB_CLIENT_CERT_HEADER: bad })).toThrow(/ALB_CLIENT_CERT_HEADER must be/);
    }
  });

  it('a header that is not only URL-encoded PEM: 401, nothing forwarded', async () => {
    const event = albEvent(undefined, { headers: [['X-Amzn-Mtls-Clientcert', 'not%20a%20certificate']] });
    expectRejected(await send.event(event));
  });
});

describe.each(DOORS_UNDER_TEST)(
  'an upstream answer larger than the ALB carries, through the $name front door',
  (door) => {
    it('the ALB gets a 502 of the edge, never a truncated body; API Gateway relays it whole', async () => {
      const big = Buffer.alloc(ALB_LAMBDA_LIMITS.maxResponseJsonBytes, 'a');
      h.upstream.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(big);
      });
      const client = doorClient(door, h.proxyWith());
      const result = await client(h.pki.leaf.pem);
      expect(h.upstream.received).toHaveLength(1);
      if (door === albDoor) {
        expect(result.statusCode).toBe(502);
        expect(result.json().error).toBe('bad_gateway');
      } else {
        expect(result.statusCode).toBe(200);
        expect(result.body.equals(big)).toBe(true);
      }
    });
  },
);
