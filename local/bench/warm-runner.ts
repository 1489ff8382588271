/**
 * The warm part of the benchmark, in a child process of its own (so the parent's dynalite, PKI and
 * esbuild do not count in its memory): loads the bundles it is given, warms each up, then serves the
 * measured requests in rotation (one request per handler in turn) and reports every duration.
 *
 * The forwarding target runs in this process too (the token upstream on 127.0.0.1): a forwarded request
 * then never waits for another process to be scheduled, which on a small VM costs a millisecond or more
 * at random and would bury the edge's own tail under the machine's. The upstream's work is the same for
 * every handler, so it cancels out of the differences. The registry and secret stand-ins stay in the
 * parent, which reads their counters when this runner says the measured phase starts and ends.
 * Upstream connections are attributed per handler by watching the TCP sockets this process opens
 * (diagnostics channel `net.client.socket`), and counted by the upstream as it accepts them.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { subscribe } from 'node:diagnostics_channel';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AckMessage, HandlerName, WarmResult, WarmRunnerConfig } from './protocol';
import { startTokenUpstream } from './token-upstream';
import { runAsChild, send } from './runner-ipc';

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const config = JSON.parse(readFileSync(process.env.BENCH_RUNNER_CONFIG ?? '', 'utf8')) as WarmRunnerConfig;
const events = (JSON.parse(readFileSync(config.eventsFile, 'utf8')) as unknown[]).map((e) =>
  JSON.stringify(e),
);

/**
 * Untimed breaks between rounds: at most BUSY_MS of back-to-back requests, then PAUSE_MS idle. With
 * the upstream in-process the runner never waits on anything, so without breaks the machine's own
 * threads would only get its CPU by preempting a timed request.
 */
const BUSY_MS = 200;
const PAUSE_MS = 10;

let serving: HandlerName | undefined;
let measuring = false;
let upstreamPort = -1;
const connections: Partial<Record<HandlerName, number>> = {};
const connectionsRun: Partial<Record<HandlerName, number>> = {};
subscribe('net.client.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  const who = serving;
  const measured = measuring;
  socket.once('connect', () => {
    if (socket.remotePort !== upstreamPort || who === undefined) return;
    connectionsRun[who] = (connectionsRun[who] ?? 0) + 1;
    if (measured) connections[who] = (connections[who] ?? 0) + 1;
  });
});

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

async function timed(who: HandlerName, handler: Handler, event: APIGatewayProxyEvent): Promise<number> {
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

const pauses = { count: 0, millis: 0 };
let busySince = performance.now();
async function breathe(): Promise<void> {
  const now = performance.now();
  if (now - busySince < BUSY_MS) return;
  await sleep(PAUSE_MS);
  busySince = performance.now();
  pauses.count += 1;
  pauses.millis += busySince - now;
}

/** Moves every thread but the main one to the CPUs in BENCH_HELPER_CPUS (see children.ts' pinCpus). */
function separateHelperThreads(): void {
  const cpus = process.env.BENCH_HELPER_CPUS;
  if (!cpus) return;
  for (const tid of readdirSync('/proc/self/task')) {
    if (tid === String(process.pid)) continue;
    try {
      execFileSync('taskset', ['-p', '-c', cpus, tid], { stdio: 'ignore' });
    } catch (error) {
      // A thread that ended in the meantime needs no moving; any other failure is the benchmark's.
      if (existsSync(`/proc/self/task/${tid}`)) throw error;
    }
  }
}

async function main(): Promise<void> {
  const upstream = await startTokenUpstream();
  upstreamPort = upstream.port;
  // Read by the bundles' configuration when they load.
  process.env.FORWARDING_TARGET = upstream.url;
  const handlers = config.handlers.map(({ name, bundle }) => ({
    name,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler: (require(bundle) as { handler: Handler }).handler,
  }));
  const k = handlers.length;
  separateHelperThreads();

  let n = 0;
  for (let i = 0; i < config.warmup; i += 1, n += 1) {
    for (const { name, handler } of handlers) await timed(name, handler, eventFor(n));
    await breathe();
  }

  // Again: threads started during the warm-up (libuv's pool, for one) move too.
  separateHelperThreads();
  await phase('measure-start');
  const acceptedBefore = upstream.connections();
  measuring = true;
  pauses.count = 0;
  pauses.millis = 0;
  const micros: Partial<Record<HandlerName, number[]>> = {};
  for (const { name } of handlers) micros[name] = [];
  for (let i = 0; i < config.requests; i += 1, n += 1) {
    // Every handler serves the same certificate's request in turn; who goes first rotates.
    const fresh = handlers.map(() => eventFor(n));
    for (let j = 0; j < k; j += 1) {
      const { name, handler } = handlers[(i + j) % k]!;
      micros[name]!.push(await timed(name, handler, fresh[j]!));
    }
    await breathe();
  }
  measuring = false;
  const acceptedDuring = upstream.connections() - acceptedBefore;
  await phase('measure-end');

  const result: WarmResult = {
    type: 'result',
    micros,
    upstreamConnections: connections,
    upstreamConnectionsRun: connectionsRun,
    upstreamConnectionsServerSide: acceptedDuring,
    pauses: pauses.count,
    pausedMillis: pauses.millis,
    maxRssKB: process.resourceUsage().maxRSS,
  };
  await send(result);
}

runAsChild(main);
