/**
 * One cold-start sample: this fresh Node process loads a bundle and serves its first request. The time
 * runs from just before `require(bundle)` to the first response (Node's own start-up is not counted,
 * for the handler and the baseline alike).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ColdResult, ColdRunnerConfig, RunnerMessage } from './protocol';
import { asError, errorMessage } from '../../shared/errors';

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

function send(message: RunnerMessage): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

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

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({ type: 'failure', message: asError(error).stack ?? errorMessage(error) }).catch(
      () => undefined,
    );
    process.exit(1);
  },
);
