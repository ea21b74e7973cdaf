/**
 * Evidence and the per-learner, per-competency state computed from it. Times are epoch
 * milliseconds (UTC) throughout the engine; the caller converts at its edge.
 */
import type { SourceKind } from './types';

/** Milliseconds since 1970-01-01T00:00:00Z. */
export type EpochMs = number;

/** Who made an observation, and where in the statement we found them. */
export interface Assessor {
  /** `context.instructor`, an xAPI 2.0 `context.contextAgents[].agent`, or `authority`. */
  source: 'instructor' | 'context-agent' | 'authority';
  /**
   * The agent's inverse functional identifier, canonical form: `mbox:mailto:…`,
   * `mbox_sha1sum:…`, `openid:…` or `account:<homePage>|<name>`.
   */
  ifi: string;
  name?: string;
}

/**
 * One piece of evidence: what one rule read from one statement about one competency. Append-only;
 * a voided statement's items are removed, never edited.
 */
export interface EvidenceItem {
  statementId: string;
  learnerId: string;
  competencyId: string;
  indicatorId?: string;
  sourceKind: SourceKind;
  /** Evidence strength 0..1 (1 = fully demonstrates the competency). */
  value: number;
  /** The rule's weight for this output (source-kind weights are applied when scoring). */
  weight: number;
  /**
   * When it happened: the statement's `timestamp`, but never later than `storedAt` (xAPI lets a
   * client send a future timestamp; a skewed clock must not make evidence count more).
   */
  observedAt: EpochMs;
  /** The statement's `stored`. */
  storedAt: EpochMs;
  /** Present for observations (required for them), absent otherwise. */
  assessor?: Assessor;
  ruleId: string;
  /** The framework version the rule was applied under. */
  frameworkVersion: string;
}

/** Count and weight of the evidence of one source kind. */
export interface SourceTally {
  count: number;
  /** Sum of `weight × source weight`, undecayed. */
  weight: number;
  /** The same, decayed to the state's `asOf`. */
  decayedWeight: number;
}

/** Why a validation episode started. */
export type ValidationKind =
  /** The first validation ever. */
  | 'first'
  /** Evidence while valid showed a higher level. */
  | 'upgrade'
  /** Qualifying evidence once reassessment was due (before expiry). */
  | 'renewal'
  /** Qualifying evidence after the previous validation had expired. */
  | 'after-expiry';

/** A moment at which the competency was validated (or re-validated). */
export interface ValidationEvent {
  kind: ValidationKind;
  levelId: string;
  validatedAt: EpochMs;
  /** `null` when the competency has no reassessment interval. */
  validUntil: EpochMs | null;
}

/** Everything known about one learner's competency at `asOf`. */
export interface CompetencyState {
  learnerId: string;
  competencyId: string;
  /** Beta shape α: prior plus decayed weighted successes. */
  alpha: number;
  /** Beta shape β: prior plus decayed weighted failures. */
  beta: number;
  /** Posterior mean α / (α + β). */
  score: number;
  /** Equal-tailed credible interval of the posterior, `[lo, hi]`, of mass `intervalMass`. */
  interval: [number, number];
  intervalMass: number;
  /**
   * Highest level whose threshold the score (posterior mean) reaches; `null` with no evidence.
   * The estimate; {@link CompetencyState.validatedLevel} is the proven part.
   */
  level: string | null;
  /** Distinct evidence items counted. */
  evidenceCount: number;
  bySource: Record<SourceKind, SourceTally>;
  /** Whether a validation is in force at `asOf`. */
  validated: boolean;
  /** Level of the validation in force, else `null`. */
  validatedLevel: string | null;
  /** Start of the latest validation (in force or expired), else `null`. */
  validatedAt: EpochMs | null;
  /** End of the latest validation, `null` when never validated or it never expires. */
  validUntil: EpochMs | null;
  /** When the latest validation falls due for reassessment. */
  reassessmentDueAt: EpochMs | null;
  /** First time the score reached each level (level id → time), from replaying the evidence. */
  firstReachedAt: Record<string, EpochMs>;
  /** First time the competency was validated at (or above) each level. */
  firstValidatedAt: Record<string, EpochMs>;
  /** Every validation event, oldest first. */
  validations: ValidationEvent[];
  /** `observedAt` of the latest evidence item, `null` with none. */
  lastObservedAt: EpochMs | null;
  /** The moment this state describes. */
  asOf: EpochMs;
}

/** Tuning of the scoring model; every field has a default. */
export interface ScoringOptions {
  /**
   * Multiplier per source kind applied to each item's weight.
   * @defaultValue {@link DEFAULT_SOURCE_WEIGHTS}
   */
  weightsBySource?: Partial<Record<SourceKind, number>>;
  /** Beta prior. @defaultValue `{ alpha: 1, beta: 1 }` (uniform) */
  prior?: { alpha: number; beta: number };
  /** Mass of the reported credible interval. @defaultValue 0.9 */
  intervalMass?: number;
}
