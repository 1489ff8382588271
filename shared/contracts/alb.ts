/**
 * The Application Load Balancer front door's boundary (context key `frontDoor=alb`): the TLS it offers
 * and the header that carries the client's certificate chain. Written once; the stack (lib/), the proxy's
 * ALB event reader and the local edge's `--front-door alb` import it. docs/front-doors.md describes it.
 */

/** The front doors the stack can put in front of the proxy (context key `frontDoor`). */
export const FRONT_DOORS = ['api-gateway', 'alb'] as const;
export type FrontDoor = (typeof FRONT_DOORS)[number];

/** The front door when the key is not given: the stack as it was before the key existed. */
export const DEFAULT_FRONT_DOOR: FrontDoor = 'api-gateway';

/**
 * The HTTPS listener's security policy and exactly what it offers, in OpenSSL names (as Node's `tls`
 * options and `openssl s_client` take them). Application Load Balancers take no custom policies, so the
 * policy name fixes the list.
 *
 * Source: ELB's `DescribeSSLPolicies` answer for `ELBSecurityPolicy-TLS13-1-2-Res-2021-06` (the table
 * "Ciphers by policy" of
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html):
 * TLS 1.3 and TLS 1.2 only; on TLS 1.2 only ECDHE key exchange with AES-GCM, no CBC, no static RSA.
 * The certificate decides between the ECDSA and the RSA suites: an RSA certificate in ACM leaves
 * `ECDHE-RSA-AES128-GCM-SHA256` and `ECDHE-RSA-AES256-GCM-SHA384`, the two suites FAPI 1 Advanced §8.5
 * permits on TLS 1.2 (docs/front-doors.md, suite by suite).
 */
export const ALB_TLS_POLICY = {
  name: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
  /** Lowest and highest protocol, as Node's `minVersion`/`maxVersion` and ELB's `SslProtocols` name them. */
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  /** TLS 1.3 suites, in the policy's order of preference. */
  tls13CipherSuites: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'],
  /** TLS 1.2 suites, in the policy's order of preference. */
  tls12Ciphers: [
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
  ],
} as const;

/**
 * The header in which the load balancer (mutual TLS in passthrough mode) hands the target the whole
 * chain the client presented: URL-encoded PEM, `+ = /` left unescaped, leaf first, root last. Lower case,
 * as Lambda target events carry header names.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html#mtls-http-headers
 */
export const ALB_MTLS_CLIENTCERT_HEADER = 'x-amzn-mtls-clientcert';

/** The load balancer's attributes the proxy relies on (lib/alb-front-door.ts sets them). */
export const ALB_ATTRIBUTES = {
  /**
   * `append`: the load balancer appends the address of the client it accepted the connection from to
   * `X-Forwarded-For`, after anything the client sent, so the rightmost entry is the client. Without the
   * client's port (`routing.http.xff_client_port.enabled=false`).
   */
  xffHeaderProcessingMode: 'append',
  /** Lambda target events carry every value of a repeated header (`multiValueHeaders`), not the last. */
  multiValueHeaders: true,
} as const;
