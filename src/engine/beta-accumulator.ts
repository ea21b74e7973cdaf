/**
 * The exponentially decayed Beta accumulator. Each evidence item adds
 * `w = weight × sourceWeight × 2^(-(t - observedAt) / halfLife)` split into `w·value` successes
 * and `w·(1 - value)` failures. Sums are held decayed to one reference time `at`; moving `at`
 * multiplies them all by the same factor, so adding, removing and moving are each O(1) and
 * addition commutes: the sums are a function of the evidence set.
 *
 * Internal and mutable for speed; the exported functions of `score.ts` copy at their boundary.
 */
import type { CompetencyState, EpochMs, EvidenceItem, SourceTally } from './evidence-types';
import { decayFactor, type ResolvedCompetency } from './scoring-config';
import { SOURCE_KINDS, type SourceKind } from './types';

export interface Accumulator {
  successes: number;
  failures: number;
  count: number;
  bySource: Record<SourceKind, SourceTally>;
  at: EpochMs;
}

function emptyTallies(): Record<SourceKind, SourceTally> {
  const out = {} as Record<SourceKind, SourceTally>;
  for (const kind of SOURCE_KINDS) out[kind] = { count: 0, weight: 0, decayedWeight: 0 };
  return out;
}

export function emptyAccumulator(at: EpochMs): Accumulator {
  return { successes: 0, failures: 0, count: 0, bySource: emptyTallies(), at };
}

/** The accumulator inside a state (inverse of `alpha = prior.alpha + successes`). */
export function accumulatorFromState(state: CompetencyState, cfg: ResolvedCompetency): Accumulator {
  const bySource = {} as Record<SourceKind, SourceTally>;
  for (const kind of SOURCE_KINDS) {
    const t = state.bySource[kind];
    bySource[kind] = { count: t.count, weight: t.weight, decayedWeight: t.decayedWeight };
  }
  return {
    successes: state.alpha - cfg.prior.alpha,
    failures: state.beta - cfg.prior.beta,
    count: state.evidenceCount,
    bySource,
    at: state.asOf,
  };
}

/** Move the reference time to `t`, decaying (or, backwards, un-decaying) every sum. */
export function moveTo(acc: Accumulator, cfg: ResolvedCompetency, t: EpochMs): void {
  const f = decayFactor(cfg.halfLifeMs, t - acc.at);
  acc.at = t;
  if (f === 1) return;
  acc.successes *= f;
  acc.failures *= f;
  for (const kind of SOURCE_KINDS) acc.bySource[kind].decayedWeight *= f;
}

/** Effective undecayed weight of an item under the competency's source weights. */
export function itemWeight(item: EvidenceItem, cfg: ResolvedCompetency): number {
  return item.weight * cfg.weights[item.sourceKind];
}

/** Add (`sign = 1`) or remove (`sign = -1`) one item, decayed from its time to `acc.at`. */
export function addItem(acc: Accumulator, cfg: ResolvedCompetency, item: EvidenceItem, sign: 1 | -1): void {
  const raw = itemWeight(item, cfg);
  const w = raw * decayFactor(cfg.halfLifeMs, acc.at - item.observedAt);
  acc.successes += sign * w * item.value;
  acc.failures += sign * w * (1 - item.value);
  acc.count += sign;
  const tally = acc.bySource[item.sourceKind];
  tally.count += sign;
  tally.weight += sign * raw;
  tally.decayedWeight += sign * w;
  if (sign === -1) cleanUp(acc, tally);
}

// Subtraction leaves rounding residue; an empty accumulator (or tally) must be exactly empty so
// that "add then void" equals "never added" wherever that is checkable bit for bit.
function cleanUp(acc: Accumulator, tally: SourceTally): void {
  if (tally.count <= 0) {
    tally.count = 0;
    tally.weight = 0;
    tally.decayedWeight = 0;
  }
  if (acc.count <= 0) {
    acc.count = 0;
    acc.successes = 0;
    acc.failures = 0;
    return;
  }
  if (acc.successes < 0) acc.successes = 0;
  if (acc.failures < 0) acc.failures = 0;
}

/** Beta shape parameters of the posterior. */
export function posterior(acc: Accumulator, cfg: ResolvedCompetency): { alpha: number; beta: number } {
  return { alpha: cfg.prior.alpha + acc.successes, beta: cfg.prior.beta + acc.failures };
}
