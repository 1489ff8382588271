/**
 * The proxy Lambda's entry point (docs/reference.md#proxy-environment): everything is composed once per container
 * from the environment; `handler` serves each REST API proxy event.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { composeProxy } from './compose';

const { apiGatewayHandler } = composeProxy({ env: process.env, handlerDir: __dirname });

export function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  return apiGatewayHandler(event);
}
