/**
 * How Auth0 names a certificate, against how we do: `thumbprint_sha256` of an `x509_cert` credential and
 * `subject_dn` of a `cert_subject_dn` credential. The two public sample certificates and Auth0's answers for
 * them are from responses of a real tenant recorded by Auth0's Go SDK (auth0/go-auth0,
 * `test/data/recordings/TestClient_CreateAllCredential/Should_create_{SelfSignedTLSClientAuth,TLSClientAuth}_Credential.yaml`).
 */
import { X509Certificate, createHash } from 'node:crypto';
import { canonicalDn, formatDn, inspectCertificate, normalizeThumbprint } from '../../shared/certificate';

const pem = (body: string): string =>
  `-----BEGIN CERTIFICATE-----\n${body.trim().replace(/\s+/g, '\n')}\n-----END CERTIFICATE-----\n`;

/** Sent as an `x509_cert` credential; Auth0 answered `thumbprint_sha256: NTkulT-…`. */
const X509_CERT_PEM = pem(`
MIIDwTCCAyqgAwIBAgICDh4wDQYJKoZIhvcNAQEFBQAwgZsxCzAJBgNVBAYTAkpQ MQ4wDAYDVQQIEwVUb2t5bzEQMA4GA1UEBxMHQ2h1by1rdTERMA8GA1UEChMIRnJh
bms0REQxGDAWBgNVBAsTD1dlYkNlcnQgU3VwcG9ydDEYMBYGA1UEAxMPRnJhbms0 REQgV2ViIENBMSMwIQYJKoZIhvcNAQkBFhRzdXBwb3J0QGZyYW5rNGRkLmNvbTAi
GA8wMDAwMDEwMTAwMDAwMVoYDzk5OTkxMjMxMjM1OTU5WjCBgTELMAkGA1UEBhMC SlAxDjAMBgNVBAgTBVRva3lvMREwDwYDVQQKEwhGcmFuazRERDEQMA4GA1UECxMH
U3VwcG9ydDEiMCAGCSqGSIb3DQEJARYTcHVibGljQGZyYW5rNGRkLmNvbTEZMBcG A1UEAxMQd3d3LmZyYW5rNGRkLmNvbTCBnzANBgkqhkiG9w0BAQEFAAOBjQAwgYkC
gYEA4rkBL30FzR2ZHZ1vpF9kGBO0DMwhu2pcrkcLJ0SEuf52ggo+md0tPis8f1KN Tchxj6DtxWT3c7ECW0c1ALpu6mNVE+GaM94KsckSDehoPfbLjT9Apcc/F0mqvDsC
N6fPdDixWrjx6xKT7xXi3lCy1yIKRMHA6Ha+T4qPyyCyMPECAwEAAaOCASYwggEi MAwGA1UdEwEB/wQCMAAwCwYDVR0PBAQDAgWgMB0GA1UdDgQWBBRWKE5tXPIyS0pC
fE5taGO5Q84gyTCB0AYDVR0jBIHIMIHFgBRi83vtBtSx1Zx/SOXvxckVYf3ZEaGB oaSBnjCBmzELMAkGA1UEBhMCSlAxDjAMBgNVBAgTBVRva3lvMRAwDgYDVQQHEwdD
aHVvLWt1MREwDwYDVQQKEwhGcmFuazRERDEYMBYGA1UECxMPV2ViQ2VydCBTdXBw b3J0MRgwFgYDVQQDEw9GcmFuazRERCBXZWIgQ0ExIzAhBgkqhkiG9w0BCQEWFHN1
cHBvcnRAZnJhbms0ZGQuY29tggkAxscECbwiW6AwEwYDVR0lBAwwCgYIKwYBBQUH AwEwDQYJKoZIhvcNAQEFBQADgYEAfXCfXcePJwnMKc06qLa336cEPpXEsPed1bw4
xiIXfgZ39duBnN+Nv4a49Yl2kbh4JO8tcr5h8WYAI/a/69w8qBFQBUAjTEY/+lcw 9/6wU7UA3kh7yexeqDiNTRflnPUv3sfiVdLDTjqLWWAxGS8L26PjVaCUFfJLNiYJ
jerREgM=`);
const AUTH0_THUMBPRINT_SHA256 = 'NTkulT-DcSrRSevqZd26aq0DCz8YbOFGjKVs-Expu4w';

/** Sent as a `cert_subject_dn` credential (by PEM); Auth0 answered this `subject_dn`. */
const SUBJECT_DN_PEM = pem(`
MIIDPDCCAiQCCQDWNMOIuzwDfzANBgkqhkiG9w0BAQUFADBgMQswCQYDVQQGEwJK UDEOMAwGA1UECAwFVG9reW8xEzARBgNVBAcMCkNoaXlvZGEta3UxDzANBgNVBAoM
BkNsaWVudDEbMBkGA1UEAwwSY2xpZW50LmV4YW1wbGUub3JnMB4XDTE5MTAyODA3 MjczMFoXDTIwMTAyNzA3MjczMFowYDELMAkGA1UEBhMCSlAxDjAMBgNVBAgMBVRv
a3lvMRMwEQYDVQQHDApDaGl5b2RhLWt1MQ8wDQYDVQQKDAZDbGllbnQxGzAZBgNV BAMMEmNsaWVudC5leGFtcGxlLm9yZzCCASIwDQYJKoZIhvcNAQEBBQADggEPADCC
AQoCggEBAK2Oyc+BV4N5pYcp47opUwsb2NaJq4X+d5Itq8whpFlZ9uCCHzF5TWSF XrpYscOp95veGPF42eT1grfxYyvjFotE76caHhBLCkIbBh6Vf222IGMwwBbSZfO9
J3eURtEADBvsZ117HkPVdjYqvt3Pr4RxdR12zG1TcBAoTLGchyr8nBqRADFhUTCL msYaz1ADiQ/xbJN7VUNQpKhzRWHCdYS03HpbGjYCtAbl9dJnH2EepNF0emGiSPFq
df6taToyCr7oZjM7ufmKPjiiEDbeSYTf6kbPNmmjtoPNNLeejHjP9p0IYx7l0Gkj mx4kSMLp4vSDftrFgGfcxzaMmKBsosMCAwEAATANBgkqhkiG9w0BAQUFAAOCAQEA
qzdDYbntFLPBlbwAQlpwIjvmvwzvkQt6qgZ9Y0oMAf7pxq3i9q7W1bDol0UF4pIM z3urEJCHO8w18JRlfOnOENkcLLLntrjOUXuNkaCDLrnv8pnp0yeTQHkSpsyMtJi9
R6r6JT9V57EJ/pWQBgKlN6qMiBkIvX7U2hEMmhZ00h/E5xMmiKbySBiJV9fBzDRf mAy1p9YEgLsEMLnGjKHTok+hd0BLvcmXVejdUsKCg84F0zqtXEDXLCiKcpXCeeWv
lmmXxC5PH/GEMkSPiGSR7+b1i0sSotsq+M3hbdwabpJ6nQLLbKkFSGcsQ87yL+gr So6zun26vAUJTu1o9CIjxw==`);
const AUTH0_SUBJECT_DN = 'C=JP\nST=Tokyo\nL=Chiyoda-ku\nO=Client\nCN=client.example.org';

describe("Auth0's thumbprint_sha256", () => {
  it('is our x5t#S256 (base64url SHA-256 of the DER, no padding), not hex', () => {
    const cert = inspectCertificate(X509_CERT_PEM);
    expect(cert.thumbprint).toBe(AUTH0_THUMBPRINT_SHA256);
    expect(normalizeThumbprint(AUTH0_THUMBPRINT_SHA256)).toBe(cert.thumbprint);
  });

  it('would land on the same value were it hex', () => {
    const hex = createHash('sha256').update(new X509Certificate(X509_CERT_PEM).raw).digest('hex');
    expect(normalizeThumbprint(hex)).toBe(AUTH0_THUMBPRINT_SHA256);
  });
});

describe('canonicalDn', () => {
  it("puts Auth0's subject_dn, Node's X509Certificate.subject and the registry's one-line form in one form", () => {
    const cert = inspectCertificate(SUBJECT_DN_PEM);
    const forms = [AUTH0_SUBJECT_DN, cert.x509.subject, cert.subject, formatDn(cert.x509.subject)];
    expect(cert.subject).toBe('C=JP, ST=Tokyo, L=Chiyoda-ku, O=Client, CN=client.example.org');
    expect(new Set(forms.map(canonicalDn))).toEqual(new Set([AUTH0_SUBJECT_DN]));
  });

  it('ignores whitespace and CRLF around separators but keeps escaped commas, backslashes and spaces', () => {
    expect(canonicalDn(' C=DE ,O=Acme\\, Inc.\r\nCN=x\\\\y ')).toBe('C=DE\nO=Acme\\, Inc.\nCN=x\\\\y');
    expect(canonicalDn('C=DE, O=Acme\\, Inc., CN=x\\\\y')).toBe('C=DE\nO=Acme\\, Inc.\nCN=x\\\\y');
    expect(canonicalDn('CN=x\\ , O=a')).toBe('CN=x\\ \nO=a');
  });

  it('keeps order and letter case: Auth0 compares the DN as it stores it', () => {
    expect(canonicalDn('CN=client.example.org, O=Client')).not.toBe(
      canonicalDn('O=Client, CN=client.example.org'),
    );
    expect(canonicalDn('CN=Client')).not.toBe(canonicalDn('CN=client'));
  });

  it('matches what Node prints for a DN with escaped characters, through the registry form', () => {
    // OpenSSL-style escapes as Node prints them: `Acme\, Inc.` and `x\\y`.
    const node = 'C=DE\nO=Acme\\, Inc.\nCN=x\\\\y "q"';
    expect(canonicalDn(formatDn(node))).toBe(node);
  });
});
