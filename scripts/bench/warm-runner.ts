/**
 * The warm part of the benchmark, in a child process of its own (so the parent's dynalite, PKI and
 * esbuild do not count in its memory): loads the proxy bundle and the baseline bundle, warms both up,
 * then serves the measured requests alternating handler and baseline, and reports every duration.
 *
 * The stand-ins live in the parent; the parent reads their counters when this runner says the measured
 * phase starts and ends. Upstream connections are also attributed here, per handler, by watching the
 * TCP sockets this process opens (diagnostics channel `net.client.socket`).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { AckMessage, RunnerMessage, WarmResult, WarmRunnerConfig } from './protocol';

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
type Who = 'handler' | 'baseline';

const config = JSON.parse(readFileSync(process.env.BENCH_RUNNER_CONFIG ?? '', 'utf8')) as WarmRunnerConfig;
const events = (JSON.parse(readFileSync(config.eventsFile, 'utf8')) as unknown[]).map((e) =>
  JSON.stringify(e),
);

let serving: Who | undefined;
let measuring = false;
const connections = { handler: 0, baseline: 0, handlerRun: 0 };
subscribe('net.client.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  const who = serving;
  const measured = measuring;
  socket.once('connect', () => {
    if (socket.remotePort !== config.upstreamPort || who === undefined) return;
    if (who === 'handler') connections.handlerRun += 1;
    if (measured) connections[who] += 1;
  });
});

function send(message: RunnerMessage): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** Tells the parent a phase boundary and waits until it has read its counters. */
async function phase(type: 'measure-start' | 'measure-end'): Promise<void> {
  const acked = new Promise<void>((resolve) => {
    const onMessage = (m: AckMessage): void => {
      if (m.type !== 'ack') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
  });
  await send({ type });
  await acked;
}

/** A fresh event object per invocation, as the Lambda runtime hands over (made outside the timing). */
function eventFor(n: number): APIGatewayProxyEvent {
  const event = JSON.parse(events[n % events.length]!) as APIGatewayProxyEvent;
  event.requestContext.requestId = `bench-${n}`;
  return event;
}

async function timed(who: Who, handler: Handler, event: APIGatewayProxyEvent): Promise<number> {
  serving = who;
  const started = process.hrtime.bigint();
  const result = await handler(event);
  const micros = Number(process.hrtime.bigint() - started) / 1000;
  serving = undefined;
  if (result.statusCode !== 200) {
    throw new Error(`${who} answered ${result.statusCode}: ${String(result.body).slice(0, 300)}`);
  }
  return micros;
}

async function main(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handler = (require(config.handlerBundle) as { handler: Handler }).handler;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const baseline = (require(config.baselineBundle) as { handler: Handler }).handler;

  let n = 0;
  for (let i = 0; i < config.warmup; i += 1, n += 1) {
    await timed('handler', handler, eventFor(n));
    await timed('baseline', baseline, eventFor(n));
  }

  await phase('measure-start');
  measuring = true;
  const handlerMicros: number[] = [];
  const baselineMicros: number[] = [];
  for (let i = 0; i < config.requests; i += 1, n += 1) {
    // Alternate per request, and swap who goes first in every other pair so neither always follows.
    const h = eventFor(n);
    const b = eventFor(n);
    if (i % 2 === 0) {
      handlerMicros.push(await timed('handler', handler, h));
      baselineMicros.push(await timed('baseline', baseline, b));
    } else {
      baselineMicros.push(await timed('baseline', baseline, b));
      handlerMicros.push(await timed('handler', handler, h));
    }
  }
  measuring = false;
  await phase('measure-end');

  const result: WarmResult = {
    type: 'result',
    handlerMicros,
    baselineMicros,
    handlerUpstreamConnections: connections.handler,
    baselineUpstreamConnections: connections.baseline,
    handlerUpstreamConnectionsRun: connections.handlerRun,
    maxRssKB: process.resourceUsage().maxRSS,
  };
  await send(result);
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({ type: 'failure', message: (error as Error)?.stack ?? String(error) }).catch(() => undefined);
    process.exit(1);
  },
);
