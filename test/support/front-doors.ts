/**
 * The two front doors as the shared proxy tests see them: how each builds the event for a request (its
 * stand-in's builder), which handler of the composed proxy serves it, and what the client then
 * receives (its stand-in's reading of the result). A test written against {@link DoorUnderTest} runs
 * the same case through API Gateway and the ALB: `describe.each(DOORS_UNDER_TEST)`.
 */
import type { ALBEvent, APIGatewayProxyEvent } from 'aws-lambda';
import type { ComposedProxy } from '../../lambda/proxy/compose';
import { albEvent, responseFromAlbResult } from '../../stand-ins/alb';
import {
  apiGatewayEvent,
  responseFromResult,
  type EventOptions,
  type HttpResponse,
} from '../../stand-ins/api-gateway';

export interface DoorUnderTest {
  readonly name: string;
  /** The event this front door hands the handler for a request with this leaf certificate (PEM). */
  event(clientCertPem: string | undefined, options?: EventOptions): unknown;
  /** Serves an event with this front door's handler; resolves to what the client receives. */
  send(proxy: ComposedProxy, event: unknown): Promise<HttpResponse>;
}

export const apiGatewayDoor: DoorUnderTest = {
  name: 'API Gateway',
  event: (pem, options) => apiGatewayEvent(pem, options),
  send: async (proxy, event) =>
    responseFromResult(await proxy.apiGatewayHandler(event as APIGatewayProxyEvent)),
};

export const albDoor: DoorUnderTest = {
  name: 'ALB',
  event: (pem, options) => albEvent(pem, options),
  send: async (proxy, event) => responseFromAlbResult(await proxy.albHandler(event as ALBEvent)),
};

/** One per front door of shared/contracts/alb.ts's FRONT_DOORS, in its order. */
export const DOORS_UNDER_TEST: readonly DoorUnderTest[] = [apiGatewayDoor, albDoor];

/** What the client received, with the readings the tests need. */
export interface Reply extends HttpResponse {
  /** Every value of a header (any letter case). */
  values(name: string): string[];
  /** The first value of a header (any letter case). */
  header(name: string): string | undefined;
  /** The body as JSON. */
  json<T = { error?: string; error_description?: string }>(): T;
}

export function reply(response: HttpResponse): Reply {
  const values = (name: string) =>
    response.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  return {
    ...response,
    values,
    header: (name) => values(name)[0],
    json: <T>() => JSON.parse(response.body.toString('utf8')) as T,
  };
}

/** Sends requests through one front door of one composed proxy. */
export interface DoorClient {
  /** A request with this leaf certificate (PEM) and these options. */
  (clientCertPem: string | undefined, options?: EventOptions): Promise<Reply>;
  /** A hand-made (or mangled) event. */
  event(event: unknown): Promise<Reply>;
}

export function doorClient(door: DoorUnderTest, proxy: ComposedProxy): DoorClient {
  const send = async (event: unknown) => reply(await door.send(proxy, event));
  return Object.assign((pem: string | undefined, options?: EventOptions) => send(door.event(pem, options)), {
    event: send,
  });
}
