/**
 * What API Gateway refuses in a truststore, and what we refuse for client certificates: weak keys,
 * weak signature algorithms, and publicly trusted CAs (the seed: "do not use a public certificate
 * authority to sign your client certificates").
 *
 * Used by the truststore checks (`truststore.ts`), the admin CLI and the truststore builder. NOT by the
 * proxy: this module pulls in an ASN.1 parser and Node's public root store, and the proxy's bundle stays
 * `node:crypto` only.
 */
import { AsnConvert, AsnPropTypes, AsnProp, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import {
  MAX_CLIENT_CERTIFICATE_HEADER_BYTES,
  encodeClientCertificateHeader,
  formatDn,
  headerFits,
  isWithinValidity,
  issued,
  kindOf,
  certificateParts,
  SubjectIndex,
  type CertificateKind,
  type InspectedCertificate,
} from './certificate';
import { errorMessage } from './errors';

/** A policy violation, with the stable code the truststore findings use. */
export interface PolicyProblem {
  readonly code: 'weak-key' | 'weak-signature';
  readonly message: string;
}

const RSA_MIN_BITS = 2048;
/** Node's names of the curves API Gateway accepts (P-256, P-384, P-521). */
const ACCEPTED_CURVES: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** Signature algorithms with SHA-256 or stronger: the only ones accepted (allowlist: fail closed). */
const STRONG_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
};

/** Names of refused algorithms we recognise, for a helpful message. */
const REFUSED_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption (MD2)',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption (MD4)',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption (MD5)',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption (SHA-1)',
  '1.3.14.3.2.29': 'sha1WithRSASignature (SHA-1)',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption (SHA-224)',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1 (SHA-1)',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224 (SHA-224)',
  '1.2.840.10040.4.3': 'dsa-with-sha1 (SHA-1)',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

const RSASSA_PSS = '1.2.840.113549.1.1.10';
const SHA1 = '1.3.14.3.2.26';
const PSS_HASHES: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/**
 * RSASSA-PSS-params (RFC 4055). Declared without decorator syntax (the project compiles without
 * `experimentalDecorators`): the decorators are applied as plain functions below.
 */
class PssParams {
  hashAlgorithm?: AlgorithmIdentifier;
  maskGenAlgorithm?: AlgorithmIdentifier;
  saltLength?: number;
  trailerField?: number;
}
AsnProp({ type: AlgorithmIdentifier, context: 0, optional: true })(PssParams.prototype, 'hashAlgorithm');
AsnProp({ type: AlgorithmIdentifier, context: 1, optional: true })(PssParams.prototype, 'maskGenAlgorithm');
AsnProp({ type: AsnPropTypes.Integer, context: 2, optional: true })(PssParams.prototype, 'saltLength');
AsnProp({ type: AsnPropTypes.Integer, context: 3, optional: true })(PssParams.prototype, 'trailerField');
AsnType({ type: AsnTypeTypes.Sequence })(PssParams);

export interface SignatureAlgorithm {
  readonly oid: string;
  /** Human name, e.g. `ecdsa-with-SHA256`, or the OID when unknown. */
  readonly name: string;
  /** SHA-256 or stronger. */
  readonly strong: boolean;
}

/**
 * The certificate's signature algorithm, read from its DER (Node does not expose it). Only the
 * AlgorithmIdentifier is parsed, not the whole certificate: a truststore check reads this for every
 * certificate of the bundle.
 */
export function signatureAlgorithmOf(der: Uint8Array): SignatureAlgorithm {
  const { algorithm: oid, parameters } = AsnConvert.parse(
    certificateParts(der).signatureAlgorithm,
    AlgorithmIdentifier,
  );
  const strongName = STRONG_SIGNATURES[oid];
  if (strongName) return { oid, name: strongName, strong: true };
  if (oid === RSASSA_PSS) {
    // An absent hashAlgorithm means SHA-1 (the RFC 4055 default).
    let hash = SHA1;
    if (parameters) {
      const params = AsnConvert.parse(parameters, PssParams);
      hash = params.hashAlgorithm?.algorithm ?? SHA1;
    }
    const hashName = PSS_HASHES[hash];
    return hashName
      ? { oid, name: `RSASSA-PSS with ${hashName}`, strong: true }
      : { oid, name: `RSASSA-PSS with ${hash === SHA1 ? 'SHA-1' : hash}`, strong: false };
  }
  return { oid, name: REFUSED_SIGNATURES[oid] ?? oid, strong: false };
}

/** The key problem, if any: RSA under 2048 bits, EC under P-256, or a key type API Gateway does not take. */
export function keyProblem(x509: X509Certificate): PolicyProblem | undefined {
  const key = x509.publicKey;
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = details.modulusLength ?? 0;
    return bits >= RSA_MIN_BITS
      ? undefined
      : { code: 'weak-key', message: `RSA key of ${bits} bits (at least ${RSA_MIN_BITS} required)` };
  }
  if (type === 'ec') {
    const curve = details.namedCurve ?? 'unknown';
    return ACCEPTED_CURVES[curve]
      ? undefined
      : { code: 'weak-key', message: `EC key on curve ${curve} (P-256, P-384 or P-521 required)` };
  }
  return {
    code: 'weak-key',
    message: `${type ?? 'unknown'} key (API Gateway accepts RSA >= 2048 bits or EC P-256/P-384/P-521)`,
  };
}

/** The signature problem, if any: anything weaker than SHA-256 (SHA-1, MD5, ...). */
export function signatureProblem(der: Uint8Array): PolicyProblem | undefined {
  let algorithm: SignatureAlgorithm;
  try {
    algorithm = signatureAlgorithmOf(der);
  } catch (error) {
    return {
      code: 'weak-signature',
      message: `unreadable signature algorithm (${errorMessage(error)})`,
    };
  }
  return algorithm.strong
    ? undefined
    : {
        code: 'weak-signature',
        message: `signature algorithm ${algorithm.name} (RSA or ECDSA with SHA-256 or stronger required)`,
      };
}

/** Every key and signature problem of a certificate. */
export function policyProblems(x509: X509Certificate): PolicyProblem[] {
  return [keyProblem(x509), signatureProblem(x509.raw)].filter((p): p is PolicyProblem => p !== undefined);
}

/** Publicly trusted roots, indexed by subject, parsed once. */
export class PublicRoots {
  private readonly bySubject = new SubjectIndex<X509Certificate>((root) => root);

  constructor(pems: readonly string[]) {
    for (const pem of pems) {
      let root: X509Certificate;
      try {
        root = new X509Certificate(pem);
      } catch {
        continue;
      }
      this.bySubject.add(root);
    }
  }

  /** Node's bundled Mozilla root store (`tls.rootCertificates`), parsed on first use. */
  static node(): PublicRoots {
    nodeRoots ??= new PublicRoots(rootCertificates);
    return nodeRoots;
  }

  /**
   * The public root `x509` is (same subject and key: a re-issued or cross-signed root counts too) or
   * that issued it; a one-line description, or undefined when neither.
   */
  match(x509: X509Certificate): string | undefined {
    for (const root of this.bySubject.withSubject(x509.subject)) {
      if (root.publicKey.equals(x509.publicKey))
        return `is the publicly trusted root ${formatDn(root.subject)}`;
    }
    for (const root of this.bySubject.namedAsIssuerOf(x509)) {
      if (issued(root, x509)) return `was issued by the publicly trusted root ${formatDn(root.subject)}`;
    }
    return undefined;
  }
}

let nodeRoots: PublicRoots | undefined;

/** Why a certificate cannot (error) or should not (warning) be recorded in the registry. */
export interface AdmissionFinding {
  readonly severity: 'error' | 'warning';
  readonly code:
    | 'ca-signed'
    | 'self-signed'
    | 'expired'
    | 'not-yet-valid'
    | 'weak-key'
    | 'weak-signature'
    | 'public-ca'
    | 'header-too-large'
    | 'self-signed-ca';
  readonly message: string;
}

/**
 * What the registry accepts. `self-signed` (register): self-signed, valid now, a key and signature API
 * Gateway takes, not a public root, and a `client-certificate` header Auth0 can receive; a CA:TRUE
 * certificate is a warning (the edge rejects everything it signs). `ca-signed` (allow): CA-signed, not
 * expired (it may become valid later), a header that fits; a weak key or signature is a warning.
 */
export function admissionFindings(
  cert: InspectedCertificate,
  kind: CertificateKind,
  now: Date,
): AdmissionFinding[] {
  const actual = kindOf(cert);
  const findings: AdmissionFinding[] = [];
  const error = (code: AdmissionFinding['code'], message: string): void => {
    findings.push({ severity: 'error', code, message });
  };
  const warn = (code: AdmissionFinding['code'], message: string): void => {
    findings.push({ severity: 'warning', code, message });
  };
  if (kind === 'self-signed' && actual === 'ca-signed') {
    error(
      'ca-signed',
      `CA-signed certificate (issued by ${cert.issuer}): add its CA to the CA bundle (truststore build --ca) instead, or allow-list this one certificate with 'edge-certs allow'`,
    );
  }
  if (kind === 'ca-signed' && actual === 'self-signed') {
    error('self-signed', `self-signed certificate: register it with 'edge-certs register' instead`);
  }
  if (cert.notAfter.getTime() < now.getTime()) {
    error('expired', `expired on ${cert.notAfter.toISOString()}`);
  } else if (kind === 'self-signed' && !isWithinValidity(cert, now)) {
    error('not-yet-valid', `not valid before ${cert.notBefore.toISOString()}`);
  }
  for (const problem of policyProblems(cert.x509)) {
    if (kind === 'self-signed') error(problem.code, `${problem.message}: API Gateway would refuse it`);
    else warn(problem.code, `${problem.message}: API Gateway may refuse it in the handshake`);
  }
  const publicRoot = PublicRoots.node().match(cert.x509);
  if (kind === 'self-signed' && publicRoot) error('public-ca', `${publicRoot}, not a client certificate`);
  const headerBytes = encodeClientCertificateHeader(cert.pem).length;
  if (!headerFits(encodeClientCertificateHeader(cert.pem))) {
    error(
      'header-too-large',
      `its client-certificate header would be ${headerBytes} bytes; Auth0 accepts at most ${MAX_CLIENT_CERTIFICATE_HEADER_BYTES} (use a smaller key or fewer extensions)`,
    );
  }
  if (kind === 'self-signed' && actual === 'self-signed' && cert.isCa) {
    warn(
      'self-signed-ca',
      'CA:TRUE (as `openssl req -x509` makes by default): registered for itself only; the edge rejects every certificate it signs',
    );
  }
  return findings;
}
