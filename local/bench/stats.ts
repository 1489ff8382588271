/**
 * The benchmark's arithmetic: quantiles, the overhead estimators and the targets of issue 6.
 */

/** The p-quantile (0..1) by linear interpolation between closest ranks (R's type 7); NaN when empty. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * p;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export interface OverheadEstimate {
  /** median(handler) − median(baseline): the headline estimator. */
  readonly medianMicros: number;
  /** p99(handler) − p99(baseline). */
  readonly p99Micros: number;
  /** Median of the per-pair differences (handler − baseline of the same pair), a cross-check. */
  readonly pairedMedianMicros: number;
  /** 99th percentile of the per-pair differences (noisier: it carries the baseline's spikes too). */
  readonly pairedP99Micros: number;
}

export function overhead(handler: readonly number[], baseline: readonly number[]): OverheadEstimate {
  const pairs = handler.map((h, i) => h - (baseline[i] ?? Number.NaN));
  return {
    medianMicros: median(handler) - median(baseline),
    p99Micros: quantile(handler, 0.99) - quantile(baseline, 0.99),
    pairedMedianMicros: median(pairs),
    pairedP99Micros: quantile(pairs, 0.99),
  };
}

/** Per 1000 requests. */
export function per1000(count: number, requests: number): number {
  return requests > 0 ? (count * 1000) / requests : Number.NaN;
}

export interface TargetCheck {
  readonly value: number;
  readonly limit: number;
  readonly met: boolean;
}

/** Issue 6's targets: each value must be ≤ its limit. */
export const TARGET_LIMITS = {
  handlerOverheadMicros: 150,
  handlerOverheadP99Micros: 500,
  /** coldInitMillis / baselineColdInitMillis */
  coldInitRatio: 1.3,
  bundleBytes: 700_000,
  peakRssMB: 100,
  registryReadsPer1000: 20,
  secretReadsPer1000: 1,
  upstreamConnectionsPer1000: 2,
} as const;

export type TargetName = keyof typeof TARGET_LIMITS;

export function checkTargets(values: Record<TargetName, number>): Record<TargetName, TargetCheck> {
  const out = {} as Record<TargetName, TargetCheck>;
  for (const name of Object.keys(TARGET_LIMITS) as TargetName[]) {
    const value = values[name];
    const limit = TARGET_LIMITS[name];
    out[name] = { value, limit, met: Number.isFinite(value) && value <= limit };
  }
  return out;
}
