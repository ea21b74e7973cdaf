/**
 * Kaplan–Meier over many small groups without an object per learner: each duration is one number
 * `ms × 2 + censored`, so one numeric sort orders durations and, at tied times, events before
 * censorings — the convention of the engine's `kaplanMeier` (`src/engine/kaplan-meier.ts`), whose
 * quantile rule is used too (`survival.test.ts` checks both agree).
 */
const DAY_MS = 86_400_000;

export interface SurvivalStepDays { days: number; atRisk: number; events: number; censored: number; survival: number }

export interface SurvivalSummary {
  n: number;
  events: number;
  censored: number;
  /** Days until the estimated share validated reaches ½, ¾, 9⁄10; null when it never does. */
  median: number | null;
  p75: number | null;
  p90: number | null;
  curve?: SurvivalStepDays[];
}

/** Encodes one duration (whole milliseconds ≥ 0). */
export const encodeDuration = (ms: number, censored: boolean): number => Math.max(0, Math.round(ms)) * 2 + (censored ? 1 : 0);

const QUANTILES = [0.5, 0.75, 0.9] as const;

export function survivalSummary(codes: readonly number[], withCurve: boolean): SurvivalSummary {
  const sorted = Float64Array.from(codes).sort();
  const n = sorted.length;
  const found: Array<number | null> = [null, null, null];
  const curve: SurvivalStepDays[] = [];
  let atRisk = n;
  let survival = 1;
  let events = 0;
  for (let i = 0; i < n;) {
    const time = Math.floor((sorted[i] as number) / 2);
    let e = 0;
    let c = 0;
    for (; i < n && Math.floor((sorted[i] as number) / 2) === time; i++) {
      if ((sorted[i] as number) % 2 === 1) c++;
      else e++;
    }
    if (e > 0) {
      survival *= 1 - e / atRisk;
      for (let k = 0; k < QUANTILES.length; k++) {
        // Products of fractions land a hair off exact values like 0.5 (as in the engine).
        if (found[k] === null && survival <= 1 - (QUANTILES[k] as number) + 1e-12) found[k] = time / DAY_MS;
      }
    }
    if (withCurve) curve.push({ days: time / DAY_MS, atRisk, events: e, censored: c, survival });
    events += e;
    atRisk -= e + c;
  }
  return { n, events, censored: n - events, median: found[0] ?? null, p75: found[1] ?? null, p90: found[2] ?? null, ...(withCurve ? { curve } : {}) };
}
