/**
 * One cold-start sample: this fresh Node process loads a bundle and serves its first request. The time
 * runs from just before `require(bundle)` to the first response (Node's own start-up is not counted,
 * for the handler and the baseline alike).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ColdResult, ColdRunnerConfig } from './protocol';
import { runAsChild, send } from './runner-ipc';

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.env.BENCH_RUNNER_CONFIG ?? '', 'utf8')) as ColdRunnerConfig;
  const event = JSON.parse(readFileSync(config.eventFile, 'utf8')) as APIGatewayProxyEvent;
  const started = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(config.bundle) as { handler: Handler };
  const loaded = performance.now();
  const response = await handler(event);
  const answered = performance.now();
  const result: ColdResult = {
    type: 'result',
    initMillis: answered - started,
    loadMillis: loaded - started,
    statusCode: response.statusCode,
    maxRssKB: process.resourceUsage().maxRSS,
  };
  await send(result);
}

runAsChild(main);
