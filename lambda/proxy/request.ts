/**
 * The request as the edge sees it, whichever front door delivered it: what a front-door reader
 * (`api-gateway.ts`, `alb.ts`) produces and the core decides on.
 */
export interface EdgeRequest {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** Decoded query parameters, every value of every name, in event order. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Client headers as received, every value, names as sent. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  /** The client's IP address as the front door saw it (never a client-supplied header). */
  readonly sourceIp: string;
  /** The leaf client certificate (PEM) the front door authenticated, when present. */
  readonly clientCertPem: string | undefined;
  /**
   * The certificates the client presented after the leaf (PEM, in the order sent), from a front door
   * that passes the chain on without verifying it (the ALB in passthrough mode): the edge verifies it.
   * Undefined: the front door verified the chain itself (API Gateway's truststore), so only the leaf's
   * issuer is looked for in the CA bundle.
   */
  readonly presentedChain?: readonly string[];
  /**
   * The front door cannot say which certificate the client presented (the header that carries it came
   * twice, or cannot be read): the request is refused as if it had none, never guessed at.
   */
  readonly certificateProblem?: 'certificate-header-repeated' | 'certificate-header-malformed';
}

/** The event is malformed (400 `invalid_request`); the message says which field. */
export class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequest';
  }
}

/**
 * A front door's event shape: how to find the path (checked before anything else is read), how to read
 * the whole request, and how to render the edge's answer in the shape the front door expects.
 */
export interface FrontDoor<Event, Result> {
  /** The request path, or undefined when the event carries none. Must not throw. */
  pathOf(event: Event): string | undefined;
  /** @throws BadRequest when a field has the wrong shape */
  read(event: Event): EdgeRequest;
  /**
   * Whether this front door can hand the upstream's answer to the client unchanged (its size limits).
   * When it cannot, the edge answers 502 instead: never a truncated body.
   * @default - every answer the forwarder accepted fits
   */
  carries?(upstream: import('./forward').UpstreamResponse): boolean;
  render(answer: import('./answers').Answer): Result;
}
