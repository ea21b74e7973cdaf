/**
 * Parent competencies: state from the children by the framework's roll-up rule, recursively.
 * A competency without a roll-up rule stands on its own evidence.
 *
 * Children may have different scales, so levels are carried across by threshold: a child
 * validated at a level with threshold t counts as "validated at ≥ t", and the parent is
 * validated at the highest of its own levels whose threshold does not exceed the lowest such t
 * among the children that count. Conservative by design.
 */
import { toEpochMs, type Instant } from './clock';
import type { CompetencyState, EpochMs } from './evidence-types';
import type { Competency, Framework } from './types';

/** A competency's standing at a moment, whether from its own evidence or rolled up. */
export interface CompetencyStanding {
  competencyId: string;
  /** `own-evidence` for a competency without roll-up rule. */
  mode: 'own-evidence' | 'all-children' | 'weighted';
  /** `null` when there is neither evidence nor children with evidence. */
  score: number | null;
  /** Approximate for roll-ups (see the module comment). */
  interval: [number, number] | null;
  level: string | null;
  validated: boolean;
  validatedLevel: string | null;
  validatedAt: EpochMs | null;
  validUntil: EpochMs | null;
  /** Weighted mode: points of validated children and the points needed. */
  points?: { earned: number; needed: number };
  /** Required children (weighted) or all children (all-children) not validated now. */
  missing: string[];
  children: CompetencyStanding[];
}

export interface RollupInput {
  framework: Framework;
  /** The learner's states by competency id (leaves; parents with roll-up are computed). */
  states: ReadonlyMap<string, CompetencyState>;
  competencyId: string;
  now: Instant;
}

/** Standing of one competency (a leaf's own state, or a parent's roll-up). */
export function rollupCompetency(input: RollupInput): CompetencyStanding {
  const byId = new Map(input.framework.competencies.map((c) => [c.id, c] as const));
  const competency = byId.get(input.competencyId);
  if (competency === undefined) throw new RangeError(`unknown competency "${input.competencyId}"`);
  return standing({ competency, byId, framework: input.framework, states: input.states, now: toEpochMs(input.now), depth: 0 });
}

interface Ctx {
  competency: Competency;
  byId: ReadonlyMap<string, Competency>;
  framework: Framework;
  states: ReadonlyMap<string, CompetencyState>;
  now: EpochMs;
  depth: number;
}

function levelAt(competency: Competency, score: number | null): string | null {
  if (score === null) return null;
  let id: string | null = null;
  for (const l of competency.scale.levels) if (score >= l.threshold) id = l.id;
  return id;
}

function thresholdOf(competency: Competency | undefined, levelId: string | null): number {
  return competency?.scale.levels.find((l) => l.id === levelId)?.threshold ?? 0;
}

function standing(ctx: Ctx): CompetencyStanding {
  const { competency } = ctx;
  // Frameworks are validated acyclic; the depth guard keeps a bad one from looping forever.
  if (competency.rollup === undefined || ctx.depth > ctx.framework.competencies.length) return own(ctx);
  const children = ctx.framework.competencies
    .filter((c) => c.parentId === competency.id && c.id !== competency.id)
    .map((c) => standing({ ...ctx, competency: c, depth: ctx.depth + 1 }));
  const rollup = competency.rollup;
  const withScore = children.filter((c) => c.score !== null);
  const scoreOf = (c: CompetencyStanding) => c.score ?? 0;
  const intervalOf = (c: CompetencyStanding): [number, number] => c.interval ?? [0, 1];
  let score: number | null;
  let interval: [number, number] | null;
  let validated: boolean;
  let counted: CompetencyStanding[];
  let missing: string[];
  let points: CompetencyStanding['points'];
  if (rollup.mode === 'all-children') {
    // Weakest link: the lowest child score; the interval is the children's lows' and highs' minima.
    score = withScore.length === 0 ? null : Math.min(...children.map(scoreOf));
    interval = score === null ? null : [Math.min(...children.map((c) => intervalOf(c)[0])), Math.min(...children.map((c) => intervalOf(c)[1]))];
    missing = children.filter((c) => !c.validated).map((c) => c.competencyId);
    validated = children.length > 0 && missing.length === 0;
    counted = children;
  } else {
    const weight = (c: CompetencyStanding) => rollup.weights[c.competencyId] ?? 1;
    const total = children.reduce((s, c) => s + weight(c), 0);
    const mean = (f: (c: CompetencyStanding) => number) => children.reduce((s, c) => s + weight(c) * f(c), 0) / total;
    score = withScore.length === 0 || total === 0 ? null : mean(scoreOf);
    interval = score === null ? null : [mean((c) => intervalOf(c)[0]), mean((c) => intervalOf(c)[1])];
    const required = rollup.requiredChildren ?? [];
    missing = children.filter((c) => required.includes(c.competencyId) && !c.validated).map((c) => c.competencyId);
    counted = children.filter((c) => c.validated);
    const earned = counted.reduce((s, c) => s + weight(c), 0);
    points = { earned, needed: rollup.minPoints };
    validated = missing.length === 0 && earned >= rollup.minPoints && counted.length > 0;
  }
  const floor = Math.min(...counted.map((c) => thresholdOf(ctx.byId.get(c.competencyId), c.validatedLevel)));
  const untils = counted.map((c) => c.validUntil).filter((u): u is number => u !== null);
  const base: CompetencyStanding = {
    competencyId: competency.id,
    mode: rollup.mode,
    score,
    interval,
    level: levelAt(competency, score),
    validated,
    validatedLevel: validated ? levelAt(competency, floor) : null,
    validatedAt: validated ? Math.max(...counted.map((c) => c.validatedAt ?? -Infinity)) : null,
    validUntil: validated && untils.length > 0 ? Math.min(...untils) : null,
    missing,
    children,
  };
  if (base.validated && base.validatedLevel === null) {
    // Validated children whose levels sit below every parent level: not validated at any level.
    base.validated = false;
    base.validatedAt = null;
  }
  return points === undefined ? base : { ...base, points };
}

// A leaf (or a competency without roll-up): its own state, with expiry checked against `now`.
function own(ctx: Ctx): CompetencyStanding {
  const s = ctx.states.get(ctx.competency.id);
  const base = { competencyId: ctx.competency.id, mode: 'own-evidence' as const, missing: [], children: [] };
  if (s === undefined) {
    return { ...base, score: null, interval: null, level: null, validated: false, validatedLevel: null, validatedAt: null, validUntil: null };
  }
  const validated = s.validated && (s.validUntil === null || ctx.now < s.validUntil);
  return {
    ...base,
    score: s.evidenceCount > 0 ? s.score : null,
    interval: s.evidenceCount > 0 ? s.interval : null,
    level: s.level,
    validated,
    validatedLevel: validated ? s.validatedLevel : null,
    validatedAt: s.validatedAt,
    validUntil: s.validUntil,
  };
}
