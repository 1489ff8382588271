/**
 * Property: whatever junk arrives in any field of either front door's event, the real handler answers
 * with JSON (never throws, never an unexpected 500), and forwards only what passes every check.
 */
import fc from 'fast-check';
import { ALB_CLIENT_CERT_HEADER } from '../../shared/contracts/alb';
import {
  albDoor,
  apiGatewayDoor,
  doorClient,
  type DoorClient,
  type DoorUnderTest,
} from '../support/front-doors';
import { startHarness, type Harness } from '../support/proxy-harness';
import { useTemplateIam } from '../support/iam';

/** Every call the proxy makes is checked against the proxy role's policies in the template. */
useTemplateIam();

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

const junk = fc.oneof(
  fc.anything(),
  fc.string(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string()),
  fc.dictionary(fc.string(), fc.anything()),
);

type Loose = Record<string, unknown>;

/** The valid event of a front door with junk laid over some of its fields (and nested fields). */
const junkEvents: Array<[string, DoorUnderTest, (valid: Loose) => fc.Arbitrary<Loose>]> = [
  [
    apiGatewayDoor.name,
    apiGatewayDoor,
    (valid) => {
      const context = valid.requestContext as Loose;
      const identity = context.identity as Loose;
      return fc
        .tuple(
          fc.dictionary(fc.constantFrom(...Object.keys(valid)), junk, { maxKeys: 4 }),
          fc.dictionary(fc.constantFrom('sourceIp', 'clientCert'), junk, { maxKeys: 2 }),
          fc.option(fc.dictionary(fc.constantFrom('clientCertPem', 'validity', 'subjectDN'), junk), {
            nil: undefined,
          }),
        )
        .map(([topLevel, identityJunk, clientCert]) => ({
          ...valid,
          requestContext: {
            ...context,
            identity: {
              ...identity,
              ...identityJunk,
              ...(clientCert ? { clientCert: { ...(identity.clientCert as object), ...clientCert } } : {}),
            },
          },
          ...topLevel,
        }));
    },
  ],
  [
    albDoor.name,
    albDoor,
    (valid) => {
      const headers = valid.multiValueHeaders as Loose;
      return fc
        .tuple(
          fc.dictionary(fc.constantFrom(...Object.keys(valid)), junk, { maxKeys: 4 }),
          fc.dictionary(
            fc.constantFrom(
              'x-forwarded-for',
              ALB_CLIENT_CERT_HEADER,
              'X-Amzn-Mtls-Clientcert',
              'requestContext',
            ),
            junk,
            { maxKeys: 3 },
          ),
        )
        .map(([topLevel, headerJunk]) => {
          const { requestContext, ...headersOnly } = headerJunk;
          return {
            ...valid,
            multiValueHeaders: { ...headers, ...headersOnly },
            ...(requestContext === undefined ? {} : { requestContext: { elb: requestContext } }),
            ...topLevel,
          };
        });
    },
  ],
];

describe.each(junkEvents)('event parsing through the %s front door (property)', (_name, door, junkOf) => {
  let client: DoorClient;
  beforeAll(() => {
    client = doorClient(door, h.proxyWith());
  });

  it('arbitrary junk in any field is answered with JSON 4xx/5xx, never a throw or an unexpected 500', async () => {
    const valid = door.event(h.pki.leaf.pem) as Loose;
    await fc.assert(
      fc.asyncProperty(junkOf(valid), async (event) => {
        const before = h.upstream.received.length;
        const result = await client.event(event);
        expect(typeof result.statusCode).toBe('number');
        if (result.statusCode === 200) {
          // Only a request that still carries a verifiable certificate may pass.
          expect(h.upstream.received.length).toBe(before + 1);
          expect(h.upstream.received.at(-1)!.headers['client-certificate-ca-verified']).toEqual(['SUCCESS']);
          return;
        }
        // 405: junk shaped like a method (`A`) that the path does not accept.
        expect([400, 401, 404, 405]).toContain(result.statusCode);
        expect(result.header('content-type')).toBe('application/json');
        expect(typeof result.json<{ error: unknown }>().error).toBe('string');
        expect(h.upstream.received.length).toBe(before);
      }),
      { numRuns: 300 },
    );
  });
});
