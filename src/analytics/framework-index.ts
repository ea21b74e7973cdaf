/**
 * Lookups over one framework that every aggregate needs (level positions, role requirements), and
 * the rule for what a cell holds at an instant. Pure.
 */
import type { Competency, Framework } from '../engine';
import type { CompactCell } from './feed-payload';

const DAY_MS = 86_400_000;

export interface Requirement {
  competencyId: string;
  targetLevel: string;
  /** Position of the target on the competency's scale (0 = lowest). */
  targetIndex: number;
  /** The target level's threshold (score shortfall). */
  threshold: number;
}

export interface FrameworkIndex {
  framework: Framework;
  competencies: Map<string, Competency>;
  /** competencyId → levelId → position on the scale. */
  levelIndex: Map<string, Map<string, number>>;
  /** roleId → requirements whose competency and level exist. */
  requirements: Map<string, Requirement[]>;
  /** roleId → competencyId → requirement. */
  requirementOf: Map<string, Map<string, Requirement>>;
}

export function indexFramework(framework: Framework): FrameworkIndex {
  const competencies = new Map(framework.competencies.map((c) => [c.id, c] as const));
  const levelIndex = new Map(framework.competencies.map((c) => [c.id, new Map(c.scale.levels.map((l, i) => [l.id, i] as const))] as const));
  const requirements = new Map<string, Requirement[]>();
  const requirementOf = new Map<string, Map<string, Requirement>>();
  for (const role of framework.roles) {
    const list: Requirement[] = [];
    for (const q of role.requirements) {
      const c = competencies.get(q.competencyId);
      const targetIndex = levelIndex.get(q.competencyId)?.get(q.targetLevel);
      if (c === undefined || targetIndex === undefined) continue;
      list.push({ competencyId: q.competencyId, targetLevel: q.targetLevel, targetIndex, threshold: c.scale.levels[targetIndex]?.threshold ?? 1 });
    }
    requirements.set(role.id, list);
    requirementOf.set(role.id, new Map(list.map((q) => [q.competencyId, q] as const)));
  }
  return { framework, competencies, levelIndex, requirements, requirementOf };
}

/** The validation event in force at `t`, as `[levelId, validatedAt, validUntil]`, or null. */
export function validationAt(cell: CompactCell | undefined, t: number): [string, number, number | null] | null {
  if (cell === undefined) return null;
  if (cell.r === true) {
    // A roll-up's stored standing: validated when computed, started by `t`, not expired at `t`.
    if (!cell.v || cell.vl === null || cell.va === null || cell.va > t) return null;
    return cell.vu === null || t < cell.vu ? [cell.vl, cell.va, cell.vu] : null;
  }
  for (let k = cell.h.length - 1; k >= 0; k--) {
    const e = cell.h[k] as [string, number, number | null];
    // The latest event started by `t` is the one that can be in force (engine: `inForce`).
    if (e[1] <= t) return e[2] === null || t < e[2] ? e : null;
  }
  return null;
}

/** Position of the level held (validated, unexpired) at `t`; -1 for none. */
export function heldIndexAt(ix: FrameworkIndex, competencyId: string, cell: CompactCell | undefined, t: number): number {
  const e = validationAt(cell, t);
  return e === null ? -1 : (ix.levelIndex.get(competencyId)?.get(e[0]) ?? -1);
}

/** When the validation `e` of a competency falls due for reassessment (engine: validUntil − lead). */
export function dueAt(competency: Competency | undefined, e: [string, number, number | null]): number | null {
  return e[2] === null ? null : e[2] - (competency?.reassessmentLeadDays ?? 0) * DAY_MS;
}

/** First validation at or above `levelId` (what time-to-competency counts), or null. */
export function firstValidatedAt(cell: CompactCell | undefined, levelId: string): number | null {
  if (cell === undefined) return null;
  for (const [id, at] of cell.fv) if (id === levelId) return at;
  return null;
}

export { DAY_MS };
