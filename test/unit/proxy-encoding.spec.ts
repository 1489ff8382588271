import fc from 'fast-check';
import { X509Certificate } from 'node:crypto';
import {
  CaBundle,
  MAX_CLIENT_CERTIFICATE_HEADER_BYTES,
  analyzeClientCertificate,
  encodeClientCertificateHeader,
  inspectCertificate,
} from '../../shared/certificate';
import { createCertificate, createTestPki, type TestPki } from '../../stand-ins/pki';

/** nginx's escaping for $ssl_client_escaped_cert: every byte except A-Z a-z 0-9 - . _ ~ as uppercase %XX. */
function nginxEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

let pki: TestPki;
let bundle: CaBundle;
const certificates: string[] = [];

beforeAll(async () => {
  pki = await createTestPki('Encoding');
  bundle = CaBundle.fromPem(pki.caBundlePem);
  for (let i = 0; i < 6; i++) {
    const names = Array.from(
      { length: i * 12 },
      (_, j) => `n${j}.client-${i}.a-rather-long-subdomain.example.com`,
    );
    certificates.push(
      (await createCertificate({ subject: `CN=client ${i}`, issuer: pki.intermediate, dnsNames: names })).pem,
    );
    certificates.push(
      (
        await createCertificate({
          subject: `CN=self ${i}`,
          key: { type: 'ec', curve: 'P-384' },
          dnsNames: names,
        })
      ).pem,
    );
  }
});

describe('the client-certificate header (property)', () => {
  it('decodes back to the canonical PEM, equals nginx escaping, and is never longer than 4096 bytes when accepted', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...certificates),
        fc.constantFrom('\n', '\r\n'),
        fc.integer({ min: 16, max: 76 }),
        (pem, eol, width) => {
          // The same certificate, however the client's PEM was laid out.
          const b64 = new X509Certificate(pem).raw.toString('base64');
          const lines = b64.match(new RegExp(`.{1,${width}}`, 'g'))!;
          const messy = ['-----BEGIN CERTIFICATE-----', ...lines, '-----END CERTIFICATE-----', ''].join(eol);
          const analysis = analyzeClientCertificate(messy, bundle);
          const canonical = inspectCertificate(pem).pem;
          const encoded = encodeClientCertificateHeader(canonical);
          expect(decodeURIComponent(encoded)).toBe(canonical);
          expect(encoded).toBe(nginxEscape(canonical));
          if (analysis.ok) {
            expect(analysis.header).toBe(encoded);
            expect(Buffer.byteLength(analysis.header)).toBeLessThanOrEqual(
              MAX_CLIENT_CERTIFICATE_HEADER_BYTES,
            );
          } else {
            expect(analysis.reason).toBe('header-too-large');
            expect(encoded.length).toBeGreaterThan(MAX_CLIENT_CERTIFICATE_HEADER_BYTES);
          }
        },
      ),
    );
  });

  it('the corpus contains both accepted and too-large certificates (so the property checks both branches)', () => {
    const results = certificates.map((pem) => analyzeClientCertificate(pem, bundle).ok);
    expect(results).toContain(true);
    expect(results).toContain(false);
  });
});
