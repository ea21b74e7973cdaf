/**
 * Defaults of the scoring model, and a competency's settings resolved against them once per call
 * so the hot loops read plain numbers.
 */
import { DAY_MS } from './clock';
import type { ScoringOptions } from './evidence-types';
import { SOURCE_KINDS, type Competency, type ProficiencyLevel, type SourceKind } from './types';

/**
 * Default multiplier per source kind. Knowledge checks show knowing rather than doing, so they
 * weigh less than scenarios; observations and workplace projects show performance at work and
 * weigh most; self-reports are weak.
 */
export const DEFAULT_SOURCE_WEIGHTS: Readonly<Record<SourceKind, number>> = Object.freeze({
  'knowledge-check': 0.5,
  scenario: 1,
  observation: 2,
  project: 2,
  'self-report': 0.25,
});

/** Uniform Beta(1, 1) prior. */
export const DEFAULT_PRIOR = Object.freeze({ alpha: 1, beta: 1 });
export const DEFAULT_INTERVAL_MASS = 0.9;
export const DEFAULT_MIN_EVIDENCE = 3;
export const DEFAULT_MIN_CERTAINTY = 0.8;

/** A competency's scoring settings with every default filled in and durations in ms. */
export interface ResolvedCompetency {
  id: string;
  levels: readonly ProficiencyLevel[];
  /** `null`: no decay. */
  halfLifeMs: number | null;
  /** `null`: validations never expire. */
  reassessMs: number | null;
  leadMs: number;
  minEvidence: number;
  minCertainty: number;
  maxIntervalWidth: number | null;
  requiredSourceKinds: readonly SourceKind[];
  minDistinctSourceKinds: number;
  weights: Readonly<Record<SourceKind, number>>;
  prior: { alpha: number; beta: number };
  intervalMass: number;
}

// Resolved settings per competency object, reused while the options are the same values. Only a
// cache: definitions are treated as immutable values, as everywhere in the engine.
const cache = new WeakMap<Competency, { options: ScoringOptions; resolved: ResolvedCompetency }>();

function sameOptions(a: ScoringOptions, b: ScoringOptions): boolean {
  return a.weightsBySource === b.weightsBySource && a.prior === b.prior && a.intervalMass === b.intervalMass;
}

/** Fill in defaults (once per call, not per item; cached per competency object). */
export function resolveCompetency(competency: Competency, options: ScoringOptions = {}): ResolvedCompetency {
  const hit = cache.get(competency);
  if (hit !== undefined && sameOptions(hit.options, options)) return hit.resolved;
  const resolved = resolveUncached(competency, options);
  cache.set(competency, {
    options: { weightsBySource: options.weightsBySource, prior: options.prior, intervalMass: options.intervalMass },
    resolved,
  });
  return resolved;
}

function resolveUncached(competency: Competency, options: ScoringOptions): ResolvedCompetency {
  const rule = competency.validationRule ?? {};
  const weights = { ...DEFAULT_SOURCE_WEIGHTS };
  for (const kind of SOURCE_KINDS) {
    const w = options.weightsBySource?.[kind];
    if (w !== undefined) weights[kind] = w;
  }
  return {
    id: competency.id,
    levels: competency.scale.levels,
    halfLifeMs: competency.halfLifeDays === undefined ? null : competency.halfLifeDays * DAY_MS,
    reassessMs:
      competency.reassessmentIntervalDays === undefined ? null : competency.reassessmentIntervalDays * DAY_MS,
    leadMs: (competency.reassessmentLeadDays ?? 0) * DAY_MS,
    minEvidence: rule.minEvidence ?? DEFAULT_MIN_EVIDENCE,
    minCertainty: rule.minCertainty ?? DEFAULT_MIN_CERTAINTY,
    maxIntervalWidth: rule.maxIntervalWidth ?? null,
    requiredSourceKinds: rule.requiredSourceKinds ?? [],
    minDistinctSourceKinds: rule.minDistinctSourceKinds ?? 1,
    weights,
    prior: options.prior ?? DEFAULT_PRIOR,
    intervalMass: options.intervalMass ?? DEFAULT_INTERVAL_MASS,
  };
}

/** 2^(-elapsed / halfLife); 1 without decay. Elapsed may be negative (projecting backwards). */
export function decayFactor(halfLifeMs: number | null, elapsedMs: number): number {
  if (halfLifeMs === null || elapsedMs === 0) return 1;
  return Math.pow(2, -elapsedMs / halfLifeMs);
}
