/**
 * Explainability: the evidence trail behind a state. For each counted item: the statement, the
 * rule, the assessor, what it contributed when observed and what it contributes now, after
 * decay. The contributions add up (with the prior) to the state's α and β.
 */
import { itemWeight } from './beta-accumulator';
import { toEpochMs } from './clock';
import type { CompetencyState, EpochMs, EvidenceItem } from './evidence-types';
import { canonicalEvidence } from './evidence-set';
import { computeState, type ComputeStateInput } from './score';
import { decayFactor, resolveCompetency } from './scoring-config';

/** A contribution to the Beta shapes: `weight` split into successes (α) and failures (β). */
export interface Contribution {
  weight: number;
  alpha: number;
  beta: number;
}

/** One line of the evidence trail. */
export interface EvidenceExplanation {
  item: EvidenceItem;
  /** The source-kind multiplier applied to `item.weight`. */
  sourceWeight: number;
  /** Contribution when observed (no decay). */
  raw: Contribution;
  /** 2^(-age / half-life) at the state's `asOf`. */
  decay: number;
  /** Contribution now. */
  current: Contribution;
  /** Share of the current total evidence weight, 0..1. */
  share: number;
}

/** Evidence that was given but does not count, and why. */
export interface ExcludedEvidence {
  item: EvidenceItem;
  reason: string;
}

export interface StateExplanation {
  state: CompetencyState;
  prior: { alpha: number; beta: number };
  /** Counted items in replay order (observation time). */
  items: EvidenceExplanation[];
  excluded: ExcludedEvidence[];
}

/** The state (as {@link computeState} gives it) together with its evidence trail. */
export function explainState(input: ComputeStateInput): StateExplanation {
  const cfg = resolveCompetency(input.competency, input);
  const now: EpochMs = toEpochMs(input.now);
  const state = computeState(input);
  const mine = input.evidence.filter((e) => e.learnerId === input.learnerId && e.competencyId === cfg.id);
  const { items, duplicates } = canonicalEvidence(mine);
  const excluded: ExcludedEvidence[] = duplicates.map((item) => ({
    item,
    reason: `statement ${item.statementId} under rule ${item.ruleId} was delivered more than once; it counts once`,
  }));
  const lines: EvidenceExplanation[] = [];
  for (const item of items) {
    if (item.observedAt > now) {
      excluded.push({ item, reason: `observed after ${new Date(now).toISOString()}, the moment the state describes` });
      continue;
    }
    const raw = itemWeight(item, cfg);
    const decay = decayFactor(cfg.halfLifeMs, now - item.observedAt);
    const w = raw * decay;
    lines.push({
      item,
      sourceWeight: cfg.weights[item.sourceKind],
      raw: { weight: raw, alpha: raw * item.value, beta: raw * (1 - item.value) },
      decay,
      current: { weight: w, alpha: w * item.value, beta: w * (1 - item.value) },
      share: 0,
    });
  }
  const total = lines.reduce((sum, l) => sum + l.current.weight, 0);
  for (const line of lines) line.share = total > 0 ? line.current.weight / total : 0;
  return { state, prior: cfg.prior, items: lines, excluded };
}
