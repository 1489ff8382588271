/**
 * The proxy Lambda's entry point (docs/reference.md#proxy-environment): everything is composed once per
 * container from the environment; `handler` serves each event of either front door: an ALB target event
 * (it has `requestContext.elb`) or an API Gateway REST API proxy event.
 */
import type { ALBEvent, ALBResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { isAlbEvent } from './alb';
import { composeProxy } from './compose';

const { apiGatewayHandler, albHandler } = composeProxy({ env: process.env, handlerDir: __dirname });

export function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult>;
export function handler(event: ALBEvent): Promise<ALBResult>;
export function handler(event: APIGatewayProxyEvent | ALBEvent): Promise<APIGatewayProxyResult | ALBResult> {
  return isAlbEvent(event) ? albHandler(event as ALBEvent) : apiGatewayHandler(event as APIGatewayProxyEvent);
}
