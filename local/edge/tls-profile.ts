/**
 * The TLS settings of the local edge. `default` is what API Gateway's `TLS_1_2` security policy allows
 * in spirit (TLS 1.2 and 1.3, Node's default suites); `fapi` restricts TLS 1.2 to the two FAPI 1
 * Advanced (§8.5) ECDHE-RSA AES-GCM suites and leaves TLS 1.3 (preferred whenever the client has it)
 * unrestricted. API Gateway itself cannot do `fapi` (docs/front-doors.md#fapi-the-tls-each-door-offers):
 * the profile exists so operators can see and test what it means.
 */
import type { SecureContextOptions } from 'node:tls';
import { ALB_TLS_POLICY } from '../../shared/contracts/alb';

export type TlsProfile = 'default' | 'fapi';

export const TLS_PROFILES: readonly TlsProfile[] = ['default', 'fapi'];

/** FAPI 1 Advanced §8.5, the ECDHE twins (the server certificate is RSA, so these are the ones that apply). */
export const FAPI_TLS12_CIPHERS = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384'] as const;
/** Every TLS 1.3 suite OpenSSL enables by default; TLS 1.3 is unrestricted by FAPI. */
export const TLS13_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
] as const;

export function isTlsProfile(value: string): value is TlsProfile {
  return (TLS_PROFILES as readonly string[]).includes(value);
}

/** Protocol and cipher options of a profile (certificates and truststore come on top). */
export function tlsProfileOptions(profile: TlsProfile): SecureContextOptions {
  if (profile === 'fapi') {
    return {
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ciphers: [...TLS13_CIPHERS, ...FAPI_TLS12_CIPHERS].join(':'),
      honorCipherOrder: true,
    };
  }
  return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
}

/**
 * The ALB front door's listener: exactly its security policy's protocols and suites
 * (shared/contracts/alb.ts), the server's preference first, as the ALB orders them.
 */
export function albListenerTlsOptions(): SecureContextOptions {
  return {
    minVersion: ALB_TLS_POLICY.minVersion,
    maxVersion: ALB_TLS_POLICY.maxVersion,
    ciphers: [...ALB_TLS_POLICY.tls13Ciphers, ...ALB_TLS_POLICY.tls12Ciphers].join(':'),
    honorCipherOrder: true,
  };
}
