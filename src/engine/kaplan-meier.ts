/**
 * Kaplan–Meier estimate of "time until validated", for time-to-competency analytics. Learners
 * not validated yet are right-censored: they count as at risk until their censoring time and are
 * never dropped, so medians are not biased towards the fast learners who already finished.
 */

/** One learner: time from start to validation (`censored: false`) or to now (`censored: true`). */
export interface SurvivalDuration {
  duration: number;
  censored: boolean;
}

/** The estimate just after `time`. */
export interface SurvivalStep {
  time: number;
  /** Learners still not validated and observed just before `time`. */
  atRisk: number;
  /** Validations at `time`. */
  events: number;
  /** Learners censored at `time` (counted at risk for the events at that time). */
  censored: number;
  /** Estimated share not yet validated after `time`. */
  survival: number;
}

/** The Kaplan–Meier curve, one step per distinct time with an event or a censoring. */
export function kaplanMeier(durations: readonly SurvivalDuration[]): SurvivalStep[] {
  const valid = durations.filter((d) => Number.isFinite(d.duration) && d.duration >= 0);
  const sorted = [...valid].sort((a, b) => a.duration - b.duration);
  const steps: SurvivalStep[] = [];
  let atRisk = sorted.length;
  let survival = 1;
  for (let i = 0; i < sorted.length; ) {
    const time = (sorted[i] as SurvivalDuration).duration;
    let events = 0;
    let censored = 0;
    for (let d = sorted[i]; d !== undefined && d.duration === time; d = sorted[++i]) {
      if (d.censored) censored++;
      else events++;
    }
    // Ties: events happen before censorings at the same time (the usual convention).
    if (events > 0) survival *= 1 - events / atRisk;
    steps.push({ time, atRisk, events, censored, survival });
    atRisk -= events + censored;
  }
  return steps;
}

/** A requested quantile and its estimate. */
export interface SurvivalQuantile {
  /** Share of learners validated, e.g. 0.5 for the median time. */
  quantile: number;
  /**
   * Smallest time by which the estimated share validated reaches `quantile`, i.e. the first
   * step with survival ≤ 1 − quantile; `null` when the curve never gets there (too many
   * learners still censored).
   */
  duration: number | null;
}

/** Quantiles of time-to-validation, e.g. `[0.5, 0.75, 0.9]` for median, p75 and p90. */
export function survivalQuantiles(
  durations: readonly SurvivalDuration[],
  quantiles: readonly number[] = [0.5, 0.75, 0.9],
): SurvivalQuantile[] {
  const curve = kaplanMeier(durations);
  return quantiles.map((quantile) => {
    // Products of fractions land a hair off exact values like 0.5; allow for that.
    const step = curve.find((s) => s.events > 0 && s.survival <= 1 - quantile + 1e-12);
    return { quantile, duration: step === undefined ? null : step.time };
  });
}
