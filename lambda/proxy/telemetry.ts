/**
 * The proxy's observability: ONE JSON line per request on stdout, carrying both the structured log
 * record (Powertools Logger's field names: level, message, timestamp, service, xray_trace_id) and the
 * request's CloudWatch metrics in Embedded Metric Format (`_aws`, dimensions `service` + `Outcome`,
 * `Requests` and `ForwardedCaVerified`/`ForwardedSelfSigned`, namespace POWERTOOLS_METRICS_NAMESPACE).
 *
 * Why not Powertools Logger + Metrics here: the benchmark's CPU profile showed them at ~50 µs per
 * request and two stdout writes (a log line and a separate EMF line); one `JSON.stringify` and one write
 * cost ~15 µs. The settings keep Powertools' environment variables and meanings, so the stack's
 * configuration and the tests' SILENT/disabled switches work unchanged. The truststore builder still
 * uses Powertools (it runs once per change, not per token request).
 */
import { PROXY_SERVICE_NAME } from '../../shared/contracts/proxy';
import { METRICS_NAMESPACE, POWERTOOLS_ENV } from '../../shared/contracts/telemetry';
import type { Environment } from './config';
import type { Outcome, RequestRecord } from './core';

/** Powertools' log levels and thresholds. */
const THRESHOLDS = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
} as const;

export type LogLevel = keyof typeof THRESHOLDS;

export interface TelemetrySettings {
  readonly serviceName: string;
  readonly namespace: string;
  /** Lines below this level are not logged (their metrics still are, when enabled). */
  readonly logLevel: LogLevel;
  readonly metricsEnabled: boolean;
}

/**
 * The level of a request's line by outcome: a dependency failure must reach an operator reading logs at
 * the edge's usual WARN level (a 503 is the edge failing closed: WARN; the upstream failing and bugs: ERROR).
 */
const LEVEL_OF: Readonly<Record<Outcome, LogLevel>> = {
  forwarded: 'INFO',
  rejected: 'INFO',
  not_found: 'INFO',
  method_not_allowed: 'INFO',
  bad_request: 'INFO',
  unavailable: 'WARN',
  gateway_timeout: 'ERROR',
  bad_gateway: 'ERROR',
  error: 'ERROR',
};

const TRUTHY = new Set(['1', 'y', 'yes', 't', 'true', 'on']);

function level(raw: string | undefined): LogLevel | undefined {
  const value = raw?.trim().toUpperCase();
  return value !== undefined && value in THRESHOLDS ? (value as LogLevel) : undefined;
}

/**
 * Powertools' variables: POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL
 * (then LOG_LEVEL, default INFO; Lambda's AWS_LAMBDA_LOG_LEVEL wins when stricter, as the runtime would
 * drop the line anyway), POWERTOOLS_METRICS_DISABLED (else disabled when POWERTOOLS_DEV is truthy).
 */
export function telemetrySettings(env: Environment): TelemetrySettings {
  let logLevel = level(env[POWERTOOLS_ENV.logLevel]) ?? level(env.LOG_LEVEL) ?? 'INFO';
  const lambdaLevel = level(env.AWS_LAMBDA_LOG_LEVEL);
  if (lambdaLevel && THRESHOLDS[lambdaLevel] > THRESHOLDS[logLevel]) logLevel = lambdaLevel;
  const metricsDisabled = env[POWERTOOLS_ENV.metricsDisabled];
  const disabled =
    metricsDisabled !== undefined
      ? TRUTHY.has(metricsDisabled.trim().toLowerCase())
      : TRUTHY.has((env.POWERTOOLS_DEV ?? '').trim().toLowerCase());
  return {
    serviceName: env[POWERTOOLS_ENV.serviceName]?.trim() || PROXY_SERVICE_NAME,
    namespace: env[POWERTOOLS_ENV.metricsNamespace]?.trim() || METRICS_NAMESPACE,
    logLevel,
    metricsEnabled: !disabled,
  };
}

/** The X-Ray trace id of the current invocation (Root=…), as Powertools reads it. */
export function currentTraceId(): string | undefined {
  const raw =
    (
      globalThis as { awslambda?: { InvokeStore?: { getXRayTraceId(): string | undefined } } }
    ).awslambda?.InvokeStore?.getXRayTraceId() ?? process.env._X_AMZN_TRACE_ID;
  if (!raw) return undefined;
  if (!raw.includes('=')) return raw;
  for (const field of raw.split(';')) {
    if (field.startsWith('Root=')) return field.slice(5);
  }
  return undefined;
}

const METRICS_OF = {
  none: JSON.stringify([{ Name: 'Requests', Unit: 'Count' }]),
  ForwardedCaVerified: JSON.stringify([
    { Name: 'Requests', Unit: 'Count' },
    { Name: 'ForwardedCaVerified', Unit: 'Count' },
  ]),
  ForwardedSelfSigned: JSON.stringify([
    { Name: 'Requests', Unit: 'Count' },
    { Name: 'ForwardedSelfSigned', Unit: 'Count' },
  ]),
};

/**
 * The line for one request (with its trailing newline), or undefined when neither the log level nor
 * the metrics want it. Pure: the clock and the trace id are arguments.
 *
 * Built as a string around one `JSON.stringify(record)`: the profile showed a merged object (spread
 * record + nested EMF objects) costing ~6 µs more per request than the stringify itself. Every value
 * still goes through `JSON.stringify`, so the line is valid JSON whatever the record holds.
 */
export function requestLine(
  record: RequestRecord,
  settings: TelemetrySettings,
  now: number,
  traceId: string | undefined,
): string | undefined {
  const lineLevel = LEVEL_OF[record.outcome];
  const logged = THRESHOLDS[lineLevel] >= THRESHOLDS[settings.logLevel];
  if (!logged && !settings.metricsEnabled) return undefined;
  let line: string;
  if (logged) {
    const fields = JSON.stringify(record);
    line =
      `{"level":"${lineLevel}","message":"request","timestamp":"${new Date(now).toISOString()}",` +
      `"service":${JSON.stringify(settings.serviceName)}` +
      (traceId === undefined ? '' : `,"xray_trace_id":${JSON.stringify(traceId)}`) +
      (fields.length > 2 ? `,${fields.slice(1, -1)}` : '');
  } else {
    line = `{"service":${JSON.stringify(settings.serviceName)}`;
  }
  if (settings.metricsEnabled) {
    const forwarded =
      record.caVerified === undefined
        ? undefined
        : record.caVerified === 'SUCCESS'
          ? 'ForwardedCaVerified'
          : 'ForwardedSelfSigned';
    line +=
      `,"_aws":{"Timestamp":${now},"CloudWatchMetrics":[{"Namespace":${JSON.stringify(settings.namespace)},` +
      `"Dimensions":[["service","Outcome"]],"Metrics":${METRICS_OF[forwarded ?? 'none']}}]},` +
      `"Outcome":${JSON.stringify(record.outcome)},"Requests":1` +
      (forwarded ? `,"${forwarded}":1` : '');
  }
  return line + '}\n';
}

/** The handler's `observe`: one write per request. */
export function createObserver(
  settings: TelemetrySettings,
  write: (line: string) => void = (line) => void process.stdout.write(line),
  now: () => number = Date.now,
): (record: RequestRecord) => void {
  return (record) => {
    const line = requestLine(record, settings, now(), currentTraceId());
    if (line !== undefined) write(line);
  };
}
