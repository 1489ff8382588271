import type { RequestRecord } from '../../lambda/proxy/core';
import {
  createObserver,
  currentTraceId,
  requestLine,
  telemetrySettings,
  type TelemetrySettings,
} from '../../lambda/proxy/telemetry';

const forwarded: RequestRecord = {
  requestId: 'r-1',
  method: 'POST',
  path: '/oauth/token',
  outcome: 'forwarded',
  status: 200,
  latencyMs: 3,
  caVerified: 'SUCCESS',
  thumbprint: 'x'.repeat(43),
  kind: 'ca-signed',
  upstreamStatus: 200,
  upstreamMs: 2,
};
const rejected: RequestRecord = {
  requestId: 'r-2',
  method: 'POST',
  path: '/oauth/token',
  outcome: 'rejected',
  status: 401,
  latencyMs: 1,
  reason: 'self-signed-not-registered',
};
const on: TelemetrySettings = {
  serviceName: 'customer-edge-proxy',
  namespace: 'CustomerEdge',
  logLevel: 'INFO',
  metricsEnabled: true,
};
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

function parse(line: string | undefined): Record<string, unknown> {
  expect(line).toBeDefined();
  expect(line!.endsWith('\n')).toBe(true);
  expect(line!.indexOf('\n')).toBe(line!.length - 1);
  return JSON.parse(line!) as Record<string, unknown>;
}

describe('proxy telemetry: one line per request', () => {
  it('carries the log record with Powertools field names', () => {
    const line = parse(requestLine(forwarded, on, NOW, '1-abc-def'));
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'request',
      timestamp: '2026-01-02T03:04:05.678Z',
      service: 'customer-edge-proxy',
      xray_trace_id: '1-abc-def',
      ...forwarded,
    });
  });

  it('embeds the request metrics in EMF: Requests and the forwarded kind by service and Outcome', () => {
    const line = parse(requestLine(forwarded, on, NOW, undefined));
    expect(line._aws).toEqual({
      Timestamp: NOW,
      CloudWatchMetrics: [
        {
          Namespace: 'CustomerEdge',
          Dimensions: [['service', 'Outcome']],
          Metrics: [
            { Name: 'Requests', Unit: 'Count' },
            { Name: 'ForwardedCaVerified', Unit: 'Count' },
          ],
        },
      ],
    });
    expect(line).toMatchObject({ Outcome: 'forwarded', Requests: 1, ForwardedCaVerified: 1 });
  });

  it('counts a self-signed forward as ForwardedSelfSigned and a rejection as Requests only', () => {
    const self = parse(requestLine({ ...forwarded, caVerified: 'FAILED' }, on, NOW, undefined));
    expect(self.ForwardedSelfSigned).toBe(1);
    expect(self.ForwardedCaVerified).toBeUndefined();
    const no = parse(requestLine(rejected, on, NOW, undefined));
    expect(
      (no._aws as { CloudWatchMetrics: Array<{ Metrics: unknown[] }> }).CloudWatchMetrics[0]!.Metrics,
    ).toEqual([{ Name: 'Requests', Unit: 'Count' }]);
    expect(no).toMatchObject({ Outcome: 'rejected', reason: 'self-signed-not-registered' });
  });

  it('logs upstream failures and unexpected errors at ERROR', () => {
    expect(
      parse(requestLine({ ...rejected, outcome: 'bad_gateway', status: 502 }, on, NOW, undefined)).level,
    ).toBe('ERROR');
    expect(parse(requestLine({ ...rejected, outcome: 'error', status: 500 }, on, NOW, undefined)).level).toBe(
      'ERROR',
    );
  });

  it('logs a dependency failure (503) at WARN naming the dependency and its time, an upstream time-out (504) at ERROR', () => {
    const unavailable: RequestRecord = {
      ...rejected,
      outcome: 'unavailable',
      status: 503,
      reason: 'registry: TimeoutError: aborted',
      dependency: 'registry',
      dependencyMs: 1502,
    };
    const line = parse(requestLine(unavailable, { ...on, logLevel: 'WARN' }, NOW, undefined));
    expect(line).toMatchObject({
      level: 'WARN',
      message: 'request',
      dependency: 'registry',
      dependencyMs: 1502,
    });
    const timeout: RequestRecord = {
      ...rejected,
      outcome: 'gateway_timeout',
      status: 504,
      upstreamMs: 25000,
    };
    expect(parse(requestLine(timeout, { ...on, logLevel: 'WARN' }, NOW, undefined)).level).toBe('ERROR');
  });

  it('writes only the metrics when the log level hides the record, and nothing when both are off', () => {
    const metricsOnly = parse(requestLine(forwarded, { ...on, logLevel: 'WARN' }, NOW, undefined));
    expect(metricsOnly.message).toBeUndefined();
    expect(metricsOnly.thumbprint).toBeUndefined();
    expect(metricsOnly).toMatchObject({ service: 'customer-edge-proxy', Outcome: 'forwarded', Requests: 1 });
    const logOnly = parse(requestLine(forwarded, { ...on, metricsEnabled: false }, NOW, undefined));
    expect(logOnly._aws).toBeUndefined();
    expect(logOnly.message).toBe('request');
    expect(requestLine(forwarded, { ...on, logLevel: 'SILENT', metricsEnabled: false }, NOW, undefined)).toBe(
      undefined,
    );
  });

  it('observer writes exactly one line per request', () => {
    const lines: string[] = [];
    const observe = createObserver(
      on,
      (l) => lines.push(l),
      () => NOW,
    );
    observe(forwarded);
    observe(rejected);
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => (JSON.parse(l) as { Outcome: string }).Outcome)).toEqual([
      'forwarded',
      'rejected',
    ]);
  });
});

describe('proxy telemetry settings (Powertools environment variables)', () => {
  it('defaults: INFO, metrics on, the stack’s service name and namespace', () => {
    expect(telemetrySettings({})).toEqual(on);
  });

  it('reads service, namespace, POWERTOOLS_LOG_LEVEL (any case) and POWERTOOLS_METRICS_DISABLED', () => {
    expect(
      telemetrySettings({
        POWERTOOLS_SERVICE_NAME: 'svc',
        POWERTOOLS_METRICS_NAMESPACE: 'Ns',
        POWERTOOLS_LOG_LEVEL: 'silent',
        POWERTOOLS_METRICS_DISABLED: 'true',
      }),
    ).toEqual({ serviceName: 'svc', namespace: 'Ns', logLevel: 'SILENT', metricsEnabled: false });
    expect(
      telemetrySettings({ POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_DEV: 'true' }).metricsEnabled,
    ).toBe(true);
  });

  it('POWERTOOLS_DEV disables metrics when POWERTOOLS_METRICS_DISABLED is unset', () => {
    expect(telemetrySettings({ POWERTOOLS_DEV: '1' }).metricsEnabled).toBe(false);
  });

  it('falls back to LOG_LEVEL, ignores unknown levels, and lets a stricter AWS_LAMBDA_LOG_LEVEL win', () => {
    expect(telemetrySettings({ LOG_LEVEL: 'debug' }).logLevel).toBe('DEBUG');
    expect(telemetrySettings({ POWERTOOLS_LOG_LEVEL: 'chatty' }).logLevel).toBe('INFO');
    expect(telemetrySettings({ POWERTOOLS_LOG_LEVEL: 'DEBUG', AWS_LAMBDA_LOG_LEVEL: 'WARN' }).logLevel).toBe(
      'WARN',
    );
    expect(telemetrySettings({ POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_LAMBDA_LOG_LEVEL: 'INFO' }).logLevel).toBe(
      'ERROR',
    );
  });
});

describe('trace id', () => {
  const saved = process.env._X_AMZN_TRACE_ID;
  afterEach(() => {
    if (saved === undefined) delete process.env._X_AMZN_TRACE_ID;
    else process.env._X_AMZN_TRACE_ID = saved;
  });

  it('is the Root of _X_AMZN_TRACE_ID, undefined when unset', () => {
    process.env._X_AMZN_TRACE_ID =
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    expect(currentTraceId()).toBe('1-5759e988-bd862e3fe1be46a994272793');
    delete process.env._X_AMZN_TRACE_ID;
    expect(currentTraceId()).toBeUndefined();
  });
});
