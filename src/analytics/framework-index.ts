/**
 * Lookups over one framework that every aggregate needs (level positions, role requirements), and
 * the rule for what a cell holds at an instant. Pure.
 */
import type { Competency, Framework } from '../engine';
import type { CompactCell } from './feed-payload';

const DAY_MS = 86_400_000;

export interface Requirement {
  competencyId: string;
  /** Position of the competency in the framework's list. */
  position: number;
  targetLevel: string;
  /** Position of the target on the competency's scale (0 = lowest). */
  targetIndex: number;
  /** The target level's threshold (score shortfall). */
  threshold: number;
  /** The competency's level positions. */
  levels: Map<string, number>;
  /** The competency rolls up from its children. */
  rollup: boolean;
}

export interface FrameworkIndex {
  framework: Framework;
  competencies: Map<string, Competency>;
  /** competencyId → position in the framework's list. */
  position: Map<string, number>;
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
  const position = new Map(framework.competencies.map((c, i) => [c.id, i] as const));
  const requirements = new Map<string, Requirement[]>();
  const requirementOf = new Map<string, Map<string, Requirement>>();
  for (const role of framework.roles) {
    const list: Requirement[] = [];
    for (const q of role.requirements) {
      const c = competencies.get(q.competencyId);
      const levels = levelIndex.get(q.competencyId);
      const targetIndex = levels?.get(q.targetLevel);
      if (c === undefined || levels === undefined || targetIndex === undefined) continue;
      list.push({ competencyId: q.competencyId, position: position.get(q.competencyId) as number, targetLevel: q.targetLevel, targetIndex, threshold: c.scale.levels[targetIndex]?.threshold ?? 1, levels, rollup: c.rollup !== undefined });
    }
    requirements.set(role.id, list);
    requirementOf.set(role.id, new Map(list.map((q) => [q.competencyId, q] as const)));
  }
  return { framework, competencies, position, levelIndex, requirements, requirementOf };
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

/** Position of the level held (validated, unexpired) at `t` on a scale; -1 for none. The hot path of most aggregates. */
export function heldIndex(cell: CompactCell | undefined, levels: ReadonlyMap<string, number>, t: number): number {
  if (cell === undefined) return -1;
  if (cell.r === true) {
    if (!cell.v || cell.vl === null || cell.va === null || cell.va > t || (cell.vu !== null && t >= cell.vu)) return -1;
    return levels.get(cell.vl) ?? -1;
  }
  const h = cell.h;
  for (let k = h.length - 1; k >= 0; k--) {
    const e = h[k] as [string, number, number | null];
    if (e[1] <= t) return e[2] === null || t < e[2] ? (levels.get(e[0]) ?? -1) : -1;
  }
  return -1;
}

/** Position of the level held at `t`; -1 for none. */
export function heldIndexAt(ix: FrameworkIndex, competencyId: string, cell: CompactCell | undefined, t: number): number {
  const levels = ix.levelIndex.get(competencyId);
  return levels === undefined ? -1 : heldIndex(cell, levels, t);
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
