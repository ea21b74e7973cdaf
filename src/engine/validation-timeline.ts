/**
 * What happened when: the first time each level was reached and validated, and every validation
 * event. Built by replaying evidence in observation order and evaluating the state once per
 * distinct observation time (after all items of that instant), so it is a function of the
 * evidence set. Decay alone never creates an event: events happen at evidence times.
 */
import type { Accumulator } from './beta-accumulator';
import { posterior } from './beta-accumulator';
import { betaCdf, betaQuantile, logBeta } from './beta-distribution';
import type { EpochMs, ValidationEvent } from './evidence-types';
import type { ResolvedCompetency } from './scoring-config';
import { SOURCE_KINDS } from './types';

export interface Timeline {
  firstReachedAt: Record<string, EpochMs>;
  firstValidatedAt: Record<string, EpochMs>;
  validations: ValidationEvent[];
  lastObservedAt: EpochMs | null;
}

export function emptyTimeline(): Timeline {
  return { firstReachedAt: {}, firstValidatedAt: {}, validations: [], lastObservedAt: null };
}

/** A copy safe to advance (events are never edited in place, only appended). */
export function copyTimeline(t: Timeline): Timeline {
  return {
    firstReachedAt: { ...t.firstReachedAt },
    firstValidatedAt: { ...t.firstValidatedAt },
    validations: t.validations.slice(),
    lastObservedAt: t.lastObservedAt,
  };
}

/** Equal-tailed credible interval of the given mass. */
export function credibleInterval(
  alpha: number,
  beta: number,
  mass: number,
  lnBeta: number = logBeta(alpha, beta),
): [number, number] {
  const tail = (1 - mass) / 2;
  return [betaQuantile(tail, alpha, beta, lnBeta), betaQuantile(1 - tail, alpha, beta, lnBeta)];
}

/**
 * Index of the highest level the posterior mean reaches, -1 for none. With no evidence there is
 * no level: the prior's mean (0.5 by default) says nothing about the learner.
 */
export function reachedLevelIndex(acc: Accumulator, cfg: ResolvedCompetency): number {
  if (acc.count === 0) return -1;
  const { alpha, beta } = posterior(acc, cfg);
  const mean = alpha / (alpha + beta);
  for (let i = cfg.levels.length - 1; i >= 0; i--) {
    const level = cfg.levels[i];
    if (level !== undefined && mean >= level.threshold) return i;
  }
  return -1;
}

/** Whether the evidence mix satisfies the rule (count, required kinds, distinct kinds). */
export function evidenceMixSatisfied(acc: Accumulator, cfg: ResolvedCompetency): boolean {
  if (acc.count < cfg.minEvidence) return false;
  for (const kind of cfg.requiredSourceKinds) if (acc.bySource[kind].count === 0) return false;
  let distinct = 0;
  for (const kind of SOURCE_KINDS) if (acc.bySource[kind].count > 0) distinct++;
  return distinct >= cfg.minDistinctSourceKinds;
}

/**
 * Index of the highest level at which the validation rule holds now, -1 for none. Certainty
 * falls as the threshold rises and the other conditions do not depend on the level, so holding
 * at a level implies holding at every lower one.
 */
export function validatedLevelIndex(acc: Accumulator, cfg: ResolvedCompetency): number {
  if (!evidenceMixSatisfied(acc, cfg)) return -1;
  const { alpha, beta } = posterior(acc, cfg);
  const lnBeta = logBeta(alpha, beta);
  if (cfg.maxIntervalWidth !== null) {
    const [lo, hi] = credibleInterval(alpha, beta, cfg.intervalMass, lnBeta);
    if (hi - lo > cfg.maxIntervalWidth) return -1;
  }
  // P(θ ≥ t) ≥ c  ⇔  I_t(α, β) ≤ 1 − c
  const maxCdf = 1 - cfg.minCertainty;
  for (let i = cfg.levels.length - 1; i >= 0; i--) {
    const level = cfg.levels[i];
    if (level !== undefined && betaCdf(level.threshold, alpha, beta, lnBeta) <= maxCdf) return i;
  }
  return -1;
}

/** Whether a validation event is still in force at `t`. */
export function inForce(event: ValidationEvent | undefined, t: EpochMs): boolean {
  return event !== undefined && (event.validUntil === null || t < event.validUntil);
}

function levelIndexOf(cfg: ResolvedCompetency, levelId: string): number {
  return cfg.levels.findIndex((l) => l.id === levelId);
}

/**
 * Record what the state at instant `t` (all evidence observed up to `t` already added to `acc`)
 * means for the timeline. Mutates `timeline`.
 *
 * Validation policy: an evidence instant at which the rule holds starts a validation if none is
 * in force; while one is in force, it starts a new one only if it shows a higher level, or if
 * reassessment is due (then at whatever level the new evidence supports). Later weaker evidence
 * does not revoke a validation before its expiry: a validation is a dated finding.
 */
export function evaluateInstant(timeline: Timeline, acc: Accumulator, cfg: ResolvedCompetency, t: EpochMs): void {
  timeline.lastObservedAt = t;
  const reached = reachedLevelIndex(acc, cfg);
  for (let i = 0; i <= reached; i++) {
    const id = cfg.levels[i]?.id;
    if (id !== undefined && timeline.firstReachedAt[id] === undefined) timeline.firstReachedAt[id] = t;
  }
  const valid = validatedLevelIndex(acc, cfg);
  if (valid < 0) return;
  const level = cfg.levels[valid];
  if (level === undefined) return;
  for (let i = 0; i <= valid; i++) {
    const id = cfg.levels[i]?.id;
    if (id !== undefined && timeline.firstValidatedAt[id] === undefined) timeline.firstValidatedAt[id] = t;
  }
  const current = timeline.validations[timeline.validations.length - 1];
  const validUntil = cfg.reassessMs === null ? null : t + cfg.reassessMs;
  const start = (kind: ValidationEvent['kind']): void => {
    timeline.validations.push({ kind, levelId: level.id, validatedAt: t, validUntil });
  };
  if (current === undefined) return start('first');
  if (!inForce(current, t)) return start('after-expiry');
  if (valid > levelIndexOf(cfg, current.levelId)) return start('upgrade');
  if (current.validUntil !== null && t >= current.validUntil - cfg.leadMs) start('renewal');
}
