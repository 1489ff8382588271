/**
 * Keeps `npm run bench` from rotting: runs the real benchmark (esbuild bundles, dynalite, the Secrets
 * Manager stand-in, the upstream, child processes) with tiny counts and checks the JSON's shape and
 * the counts that do not depend on timing. No timing assertions: timing goals live in the benchmark.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const CONTRACT_KEYS = [
  'handlerOverheadMicros',
  'coldInitMillis',
  'baselineColdInitMillis',
  'bundleBytes',
  'peakRssMB',
  'registryReadsPer1000',
  'secretReadsPer1000',
  'upstreamConnectionsPer1000',
] as const;
const TARGETS = [
  'handlerOverheadMicros',
  'handlerOverheadP99Micros',
  'coldInitRatio',
  'bundleBytes',
  'peakRssMB',
  'registryReadsPer1000',
  'secretReadsPer1000',
  'upstreamConnectionsPer1000',
] as const;

interface BenchRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runBench(args: readonly string[]): Promise<BenchRun> {
  return new Promise((done, fail) => {
    // What `npm run bench` runs (node --require tsx/cjs: one process; tsx's own CLI would put a second in front).
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'local/bench/main.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('benchmark smoke (npm run bench with tiny counts)', () => {
  let run: BenchRun;
  let report: Record<string, unknown>;

  beforeAll(async () => {
    run = await runBench(['--json', '--requests', '20', '--warmup', '10', '--cold-samples', '1']);
    const lines = run.stdout.trim().split('\n');
    report = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
  }, 180_000);

  it('exits 0 and prints the table before the JSON line', () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('handler overhead vs http.request, median');
    expect(run.stdout).toContain('peak RSS');
  });

  it('prints every docs/reference.md#benchmark key as a finite number on the last line', () => {
    for (const key of [...CONTRACT_KEYS, 'handlerOverheadP99Micros']) {
      expect(typeof report[key]).toBe('number');
      expect(Number.isFinite(report[key])).toBe(true);
    }
  });

  it('measures real things: a bundle, a process, cold starts', () => {
    expect(report.bundleBytes).toBeGreaterThan(10_000);
    expect(report.peakRssMB).toBeGreaterThan(10);
    expect(report.coldInitMillis).toBeGreaterThan(0);
    expect(report.baselineColdInitMillis).toBeGreaterThan(0);
  });

  it('reports each target with its limit and a verdict', () => {
    const targets = report.targets as Record<string, { value: number; limit: number; met: boolean }>;
    expect(Object.keys(targets).sort()).toEqual([...TARGETS].sort());
    for (const t of Object.values(targets)) {
      expect(Number.isFinite(t.limit)).toBe(true);
      expect(typeof t.met).toBe('boolean');
    }
    expect(typeof report.allTargetsMet).toBe('boolean');
  });

  it('the bundled handler really used its dependencies, and its caches held during the measured requests', () => {
    const details = report.details as {
      requests: number;
      certificates: number;
      measured: { registryReads: number; secretReads: number };
      wholeWarmRun: { registryReads: number; secretReads: number; handlerUpstreamConnections: number };
    };
    expect(details.requests).toBe(20);
    expect(details.certificates).toBe(10);
    // Warm-up saw each of the 10 certificates once: one registry read each, one secret read, at least
    // one upstream connection.
    expect(details.wholeWarmRun.registryReads).toBeGreaterThanOrEqual(10);
    expect(details.wholeWarmRun.secretReads).toBeGreaterThanOrEqual(1);
    expect(details.wholeWarmRun.handlerUpstreamConnections).toBeGreaterThanOrEqual(1);
    expect(details.measured.registryReads).toBe(0);
    expect(details.measured.secretReads).toBe(0);
    // The headline counts cover the whole run (cold caches included), per 1000 handler requests.
    const handlerRequests =
      (details as { requests: number; warmup?: number }).requests +
      (report.details as { warmup: number }).warmup;
    expect(report.registryReadsPer1000).toBeCloseTo(
      (details.wholeWarmRun.registryReads * 1000) / handlerRequests,
      1,
    );
    expect(report.secretReadsPer1000).toBeCloseTo(
      (details.wholeWarmRun.secretReads * 1000) / handlerRequests,
      1,
    );
  });

  it('logging was on (one line per request) and never carried the API key', () => {
    const details = report.details as { logLinesPerHandlerRequest: number; apiKeyInLogs: boolean };
    expect(details.logLinesPerHandlerRequest).toBe(1);
    expect(details.apiKeyInLogs).toBe(false);
  });
});
