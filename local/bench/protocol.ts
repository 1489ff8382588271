/**
 * What the benchmark's parent and its child runners tell each other over the IPC channel. The runners
 * are bundled and run with plain `node` (no TypeScript loader in the measured processes).
 */

/** Written by the parent as JSON; the path is passed to a runner in BENCH_RUNNER_CONFIG. */
/** The handlers a warm run serves; `handler` is the proxy, the others are references. */
export type HandlerName = 'handler' | 'baseline' | 'httpBaseline';

export interface WarmRunnerConfig {
  /** Served in rotation, one request each in turn; the first one to go rotates too. */
  readonly handlers: ReadonlyArray<{ readonly name: HandlerName; readonly bundle: string }>;
  /** JSON array of API Gateway events, one per certificate. */
  readonly eventsFile: string;
  /** Warm-up requests per handler (not measured). */
  readonly warmup: number;
  /** Measured requests per handler. */
  readonly requests: number;
}

export interface ColdRunnerConfig {
  readonly bundle: string;
  /** JSON of one API Gateway event. */
  readonly eventFile: string;
}

export interface WarmResult {
  readonly type: 'result';
  /** Duration of each measured request by handler, microseconds, in order. */
  readonly micros: Partial<Record<HandlerName, number[]>>;
  /** New TCP connections to the upstream opened while a handler was serving a measured request. */
  readonly upstreamConnections: Partial<Record<HandlerName, number>>;
  /** Same, over the whole run (warm-up included). */
  readonly upstreamConnectionsRun: Partial<Record<HandlerName, number>>;
  /** TCP connections the runner's upstream accepted during the measured requests (all handlers). */
  readonly upstreamConnectionsServerSide: number;
  /** Untimed pauses taken between measured rounds (see warm-runner.ts), and their total length. */
  readonly pauses: number;
  readonly pausedMillis: number;
  /** process.resourceUsage().maxRSS, kilobytes. */
  readonly maxRssKB: number;
}

export interface ColdResult {
  readonly type: 'result';
  /** From before `require(bundle)` to the first response. */
  readonly initMillis: number;
  /** The `require` alone. */
  readonly loadMillis: number;
  readonly statusCode: number;
  readonly maxRssKB: number;
}

export interface PhaseMessage {
  readonly type: 'measure-start' | 'measure-end';
}

export interface FailureMessage {
  readonly type: 'failure';
  readonly message: string;
}

export type RunnerMessage = WarmResult | ColdResult | PhaseMessage | FailureMessage;

/** The parent's answer to a phase message, sent once its counters are read. */
export interface AckMessage {
  readonly type: 'ack';
}
