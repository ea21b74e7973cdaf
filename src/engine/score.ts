/**
 * Competency state from evidence: from scratch ({@link computeState}) and incrementally
 * ({@link applyEvidence}, {@link retractEvidence}, {@link projectState}).
 *
 * `computeState` is the definition; the incremental forms agree with it (to floating-point
 * rounding, relative 1e-9) and say when they cannot: the timeline (first reached, validations)
 * depends on the order evidence was *observed* in, so a late item or a retraction needs a replay
 * from the full evidence set, which only the caller has.
 */
import {
  accumulatorFromState,
  addItem,
  emptyAccumulator,
  moveTo,
  posterior,
  type Accumulator,
} from './beta-accumulator';
import { logBeta } from './beta-distribution';
import { toEpochMs, type Instant } from './clock';
import type { CompetencyState, EpochMs, EvidenceItem, ScoringOptions } from './evidence-types';
import { canonicalEvidence } from './evidence-set';
import { resolveCompetency, type ResolvedCompetency } from './scoring-config';
import type { Competency } from './types';
import {
  copyTimeline,
  credibleInterval,
  emptyTimeline,
  evaluateInstant,
  inForce,
  reachedLevelIndex,
  type Timeline,
} from './validation-timeline';

/** Input of {@link computeState}. */
export interface ComputeStateInput extends ScoringOptions {
  competency: Competency;
  learnerId: string;
  /** Any evidence; items of other learners or competencies, and duplicates, are ignored. */
  evidence: readonly EvidenceItem[];
  /** The state describes this moment; evidence observed after it is not counted. */
  now: Instant;
}

/**
 * The state of one learner's competency at `now`, from the evidence set: decayed Beta posterior,
 * credible interval, level, tallies, validation and the replayed timeline. Order-independent,
 * idempotent (duplicates by {@link evidenceKey} count once) and therefore reversible: removing
 * an item gives exactly the state of the set without it.
 */
export function computeState(input: ComputeStateInput): CompetencyState {
  const cfg = resolveCompetency(input.competency, input);
  const now = toEpochMs(input.now);
  const items = relevantEvidence(input.evidence, input.learnerId, cfg.id).filter((e) => e.observedAt <= now);
  const acc = emptyAccumulator(items[0]?.observedAt ?? now);
  const timeline = emptyTimeline();
  replay(acc, timeline, cfg, items);
  moveTo(acc, cfg, now);
  return buildState({ learnerId: input.learnerId, cfg, acc, timeline, asOf: now });
}

/** Input of {@link applyEvidence} and {@link retractEvidence}. */
export interface IncrementalInput extends ScoringOptions {
  /** The same competency definition and options the state was computed with. */
  competency: Competency;
  state: CompetencyState;
  /**
   * New items (apply) or items previously counted (retract). The caller guarantees that applied
   * items are not yet counted, e.g. by the evidence log's unique index on `evidenceKey`.
   */
  items: readonly EvidenceItem[];
  now: Instant;
}

/** Result of an incremental update. */
export interface IncrementalResult {
  state: CompetencyState;
  /**
   * `false`: `state` equals `computeState` over the full evidence at `state.asOf`.
   * `true`: score, interval, level and tallies are exact, but the timeline fields
   * (`firstReachedAt`, `firstValidatedAt`, `validations` and what follows from them,
   * `lastObservedAt`) are carried over unchanged; recompute with `computeState` to replay.
   */
  replayRequired: boolean;
}

/**
 * Add evidence to a state in O(items) time. When every new item was observed after the state's
 * latest evidence (the live case), the timeline advances too and the result is exact. The
 * result's `asOf` is the latest of the state's, `now` and the items' observation times.
 */
export function applyEvidence(input: IncrementalInput): IncrementalResult {
  const cfg = resolveCompetency(input.competency, input);
  const { state } = input;
  const batch = relevantEvidence(input.items, state.learnerId, cfg.id);
  const last = batch[batch.length - 1];
  const asOf = Math.max(state.asOf, toEpochMs(input.now), last?.observedAt ?? -Infinity);
  const acc = accumulatorFromState(state, cfg);
  const timeline = timelineOf(state);
  const first = batch[0];
  const inOrder = first === undefined || state.lastObservedAt === null || first.observedAt > state.lastObservedAt;
  if (inOrder) {
    replay(acc, timeline, cfg, batch);
  } else {
    moveTo(acc, cfg, asOf);
    for (const item of batch) addItem(acc, cfg, item, 1);
  }
  moveTo(acc, cfg, asOf);
  return { state: buildState({ learnerId: state.learnerId, cfg, acc, timeline, asOf }), replayRequired: !inOrder };
}

/**
 * Remove evidence (a voided statement's items) from a state in O(items) time. Score, interval,
 * level and tallies are exact; the timeline needs a replay unless no evidence remains.
 */
export function retractEvidence(input: IncrementalInput): IncrementalResult {
  const cfg = resolveCompetency(input.competency, input);
  const { state } = input;
  const batch = relevantEvidence(input.items, state.learnerId, cfg.id);
  const asOf = Math.max(state.asOf, toEpochMs(input.now));
  const acc = accumulatorFromState(state, cfg);
  moveTo(acc, cfg, asOf);
  for (const item of batch) addItem(acc, cfg, item, -1);
  const emptied = acc.count === 0;
  const timeline = emptied ? emptyTimeline() : timelineOf(state);
  return {
    state: buildState({ learnerId: state.learnerId, cfg, acc, timeline, asOf }),
    replayRequired: batch.length > 0 && !emptied,
  };
}

/** Input of {@link projectState}. */
export interface ProjectStateInput extends ScoringOptions {
  competency: Competency;
  state: CompetencyState;
  now: Instant;
}

/**
 * The same state seen at a later `now` with no new evidence: decayed, expiry applied. Equals
 * `computeState` at that time. A `now` before the state's `asOf` returns it unchanged.
 */
export function projectState(input: ProjectStateInput): CompetencyState {
  const cfg = resolveCompetency(input.competency, input);
  const { state } = input;
  const asOf = Math.max(state.asOf, toEpochMs(input.now));
  const acc = accumulatorFromState(state, cfg);
  moveTo(acc, cfg, asOf);
  return buildState({ learnerId: state.learnerId, cfg, acc, timeline: timelineOf(state), asOf });
}

/** The learner's distinct items for one competency, in replay order. */
export function relevantEvidence(
  evidence: readonly EvidenceItem[],
  learnerId: string,
  competencyId: string,
): EvidenceItem[] {
  const only = evidence.length === 1 ? evidence[0] : undefined;
  if (only !== undefined) return only.learnerId === learnerId && only.competencyId === competencyId ? [only] : [];
  const mine = evidence.filter((e) => e.learnerId === learnerId && e.competencyId === competencyId);
  return canonicalEvidence(mine).items;
}

// Feed items (in replay order) into the accumulator and timeline, one evaluation per instant.
function replay(acc: Accumulator, timeline: Timeline, cfg: ResolvedCompetency, items: readonly EvidenceItem[]): void {
  let i = 0;
  while (i < items.length) {
    const t = (items[i] as EvidenceItem).observedAt;
    moveTo(acc, cfg, t);
    for (let item = items[i]; item !== undefined && item.observedAt === t; item = items[++i]) {
      addItem(acc, cfg, item, 1);
    }
    evaluateInstant(timeline, acc, cfg, t);
  }
}

function timelineOf(state: CompetencyState): Timeline {
  return copyTimeline(state);
}

function buildState(args: {
  learnerId: string;
  cfg: ResolvedCompetency;
  acc: Accumulator;
  timeline: Timeline;
  asOf: EpochMs;
}): CompetencyState {
  const { cfg, acc, timeline, asOf } = args;
  const { alpha, beta } = posterior(acc, cfg);
  const lnBeta = logBeta(alpha, beta);
  const levelIndex = reachedLevelIndex(acc, cfg);
  const latest = timeline.validations[timeline.validations.length - 1];
  const validated = inForce(latest, asOf);
  const validUntil = latest?.validUntil ?? null;
  return {
    learnerId: args.learnerId,
    competencyId: cfg.id,
    alpha,
    beta,
    score: alpha / (alpha + beta),
    interval: credibleInterval(alpha, beta, cfg.intervalMass, lnBeta),
    intervalMass: cfg.intervalMass,
    level: cfg.levels[levelIndex]?.id ?? null,
    evidenceCount: acc.count,
    // The accumulator is local to the call that builds this state, so its tallies can be handed over.
    bySource: acc.bySource,
    validated,
    validatedLevel: validated && latest !== undefined ? latest.levelId : null,
    validatedAt: latest?.validatedAt ?? null,
    validUntil,
    reassessmentDueAt: validUntil === null ? null : validUntil - cfg.leadMs,
    firstReachedAt: timeline.firstReachedAt,
    firstValidatedAt: timeline.firstValidatedAt,
    validations: timeline.validations,
    lastObservedAt: timeline.lastObservedAt,
    asOf,
  };
}
