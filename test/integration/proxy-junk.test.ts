/**
 * Property: whatever junk arrives in any field of the event, the real handler answers with JSON (never
 * throws, never an unexpected 500), and forwards only what passes every check.
 */
import fc from 'fast-check';
import { apiGatewayEvent } from '../../stand-ins/api-gateway';
import { startHarness, type Handler, type Harness } from '../support/proxy-harness';
import { useTemplateIam } from '../support/iam';

/** Every call the proxy makes is checked against the proxy role's policies in the template. */
useTemplateIam();

let h: Harness;
let handler: Handler;

beforeAll(async () => {
  h = await startHarness();
  handler = h.proxyWith();
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

describe('event parsing (property)', () => {
  it('arbitrary junk in any field is answered with JSON 4xx/5xx, never a throw or an unexpected 500', async () => {
    const valid = apiGatewayEvent(h.pki.leaf.pem) as unknown as Record<string, unknown>;
    const validContext = valid.requestContext as Record<string, unknown>;
    const validIdentity = validContext.identity as Record<string, unknown>;
    const fields = Object.keys(valid);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...fields), junk, { maxKeys: 4 }),
        fc.dictionary(fc.constantFrom('sourceIp', 'clientCert'), junk, { maxKeys: 2 }),
        fc.option(fc.dictionary(fc.constantFrom('clientCertPem', 'validity', 'subjectDN'), junk), {
          nil: undefined,
        }),
        async (topLevel, identity, clientCert) => {
          const event = {
            ...valid,
            requestContext: {
              ...validContext,
              identity: {
                ...validIdentity,
                ...identity,
                ...(clientCert
                  ? { clientCert: { ...(validIdentity.clientCert as object), ...clientCert } }
                  : {}),
              },
            },
            ...topLevel,
          };
          const before = h.upstream.received.length;
          const result = await handler(event as never);
          expect(typeof result.statusCode).toBe('number');
          if (result.statusCode === 200) {
            // Only a request that still carries a verifiable certificate may pass.
            expect(h.upstream.received.length).toBe(before + 1);
            expect(h.upstream.received.at(-1)!.headers['client-certificate-ca-verified']).toEqual([
              'SUCCESS',
            ]);
            return;
          }
          expect([400, 401, 404]).toContain(result.statusCode);
          expect(result.headers?.['content-type']).toBe('application/json');
          expect(typeof (JSON.parse(result.body) as { error: unknown }).error).toBe('string');
          expect(h.upstream.received.length).toBe(before);
        },
      ),
      { numRuns: 300 },
    );
  });
});
