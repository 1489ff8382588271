/**
 * The Application Load Balancer front door's boundary (`frontDoor=alb`): the HTTPS listener's TLS policy
 * (its protocols and OpenSSL suite names), the request header that carries the client's certificate
 * chain in mutual TLS passthrough mode, and the limits of a Lambda target. Written once: the stack (the
 * listener), the proxy's ALB reader (`lambda/proxy/alb.ts`), the ALB stand-in and the local edge
 * (`npm start -- --front-door alb`) all import it.
 */

/** The listener's TLS: what the ALB offers, and nothing else. */
export const ALB_TLS_POLICY = {
  /**
   * ELB security policy of the HTTPS listener: TLS 1.3 and TLS 1.2 with ECDHE AES-GCM only, no CBC, no
   * static RSA (ELB docs, "Security policies for your Application Load Balancer").
   */
  name: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  /** The policy's TLS 1.3 suites (OpenSSL names). */
  tls13Ciphers: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'],
  /** The policy's TLS 1.2 suites (OpenSSL names). */
  tls12Ciphers: [
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
  ],
} as const;

/**
 * The header the ALB adds in mutual TLS passthrough mode: the whole chain the client presented, leaf
 * first, as URL-encoded PEM "with `+=/` as safe characters" (ELB docs, "HTTP headers and mutual TLS";
 * the docs' own example escapes `=` as `%3D`, so a reader must accept both). Lower case, as the ALB
 * writes header names into a Lambda event.
 */
export const ALB_CLIENT_CERT_HEADER = 'x-amzn-mtls-clientcert';

/** The listener attribute that renames {@link ALB_CLIENT_CERT_HEADER} (ELB API reference, ListenerAttribute). */
export const ALB_CERT_HEADER_ATTRIBUTE = 'routing.http.request.x_amzn_mtls_clientcert.header_name';

/** The prefix of every header the ALB's mutual TLS writes (`X-Amzn-Mtls-Clientcert`, `…-Leaf`, …). */
export const ALB_MTLS_HEADER_PREFIX = 'x-amzn-mtls-';

/** Limits of a Lambda target (ELB docs, "Lambda functions as targets", Limits). */
export const ALB_LAMBDA_LIMITS = {
  /** "The maximum size of the request body that you can send to a Lambda function is 1 MB." */
  maxRequestBodyBytes: 1_000_000,
  /**
   * "The maximum size of the response JSON that the Lambda function can send is 1 MB": the smaller
   * reading of "MB", so the result fits whichever AWS means.
   */
  maxResponseJsonBytes: 1_000_000,
} as const;

/**
 * The front doors the stack can put in front of the proxy (context key `frontDoor`), and the local edge
 * (`npm start -- --front-door`).
 */
export const FRONT_DOORS = ['api-gateway', 'alb'] as const;
export type FrontDoor = (typeof FRONT_DOORS)[number];

export function isFrontDoor(value: string): value is FrontDoor {
  return (FRONT_DOORS as readonly string[]).includes(value);
}

/** The front door when the key is not given: the stack as it was before the key existed. */
export const DEFAULT_FRONT_DOOR: FrontDoor = 'api-gateway';

/** The load balancer's settings the proxy relies on (lib/alb-front-door.ts sets them). */
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
