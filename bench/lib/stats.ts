/**
 * Statistics shared by the benchmarks: percentiles and the summaries they print and write as JSON.
 */

/** Rounded to two decimals. */
export const r2 = (n: number): number => Math.round(n * 100) / 100;
/** Rounded to one decimal. */
export const r1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * The nearest-rank percentile of samples sorted in ascending order: the smallest sample with at
 * least `q` of them at or below it (q = 0.5 of an even count is the lower of the two middle ones).
 * NaN when there are none.
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** The middle sample (of an even count, the upper of the two middle ones); undefined when there are none. */
export function median(samples: readonly number[]): number | undefined {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

/** Latencies in ms, to two decimals (statements and documents benchmarks). */
export interface Latency { n: number; p50: number; p95: number; mean: number }
export function latencyOf(samples: readonly number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: r2(percentile(s, 0.5)), p95: r2(percentile(s, 0.95)), mean: r2(mean) };
}

/** A distribution in ms, to one decimal, with its maximum (analytics benchmark). */
export interface Dist { n: number; p50: number; p95: number; max: number }
export function dist(samples: readonly number[]): Dist {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: r1(percentile(s, 0.5)), p95: r1(percentile(s, 0.95)), max: r1(s[s.length - 1] ?? NaN) };
}
