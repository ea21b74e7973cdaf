import type { LearnerRow } from '../analytics-snapshot';
import { heldIndexAt, validationAt, type Requirement } from '../framework-index';
import { ratio, iso, type AggregateContext, type Table } from './aggregate-context';

export type GapBy = 'role' | 'team';

/** One required cell of one learner, judged at `to`. */
export interface RequiredCell {
  learner: LearnerRow;
  requirement: Requirement;
  heldIndex: number;
  below: boolean;
  shortfallLevels: number;
  shortfallScore: number;
  score: number | null;
}

/** Every (learner in scope, requirement of the learner's role) pair, judged at `to`. */
export function requiredCells(ctx: AggregateContext, learner: LearnerRow, only?: string): RequiredCell[] {
  const reqs = learner.role === null ? undefined : ctx.ix.requirements.get(learner.role);
  if (reqs === undefined) return [];
  const cells = ctx.snapshot.cellsOf(learner, ctx.ix.framework.id);
  const out: RequiredCell[] = [];
  for (const q of reqs) {
    if (only !== undefined && q.competencyId !== only) continue;
    const cell = cells.get(q.competencyId);
    const heldIndex = heldIndexAt(ctx.ix, q.competencyId, cell, ctx.at);
    const score = cell?.s ?? null;
    out.push({
      learner,
      requirement: q,
      heldIndex,
      below: heldIndex < q.targetIndex,
      shortfallLevels: Math.max(0, q.targetIndex - heldIndex),
      shortfallScore: Math.max(0, q.threshold - (score ?? 0)),
      score,
    });
  }
  return out;
}

const groupOf = (by: GapBy, l: LearnerRow): string | null => (by === 'role' ? l.role : l.team);

interface CellAcc { group: string | null; competencyId: string; targets: Set<string>; people: number; below: number; levels: number; levelsBelow: number; score: number }

/** Role or team × required competency: share below the required level and mean shortfall. */
export function gaps(ctx: AggregateContext, by: GapBy) {
  const acc = new Map<string, CellAcc>();
  const people = new Map<string | null, number>();
  const key = (g: string | null, c: string) => `${g ?? '\u0001'}\u0000${c}`;
  const cellFor = (g: string | null, q: Requirement): CellAcc => {
    let a = acc.get(key(g, q.competencyId));
    if (a === undefined) acc.set(key(g, q.competencyId), (a = { group: g, competencyId: q.competencyId, targets: new Set(), people: 0, below: 0, levels: 0, levelsBelow: 0, score: 0 }));
    return a;
  };
  if (by === 'role') {
    // Every role in scope has a row for each requirement, people or not.
    for (const r of rolesInScope(ctx)) {
      people.set(r.id, 0);
      for (const q of ctx.ix.requirements.get(r.id) ?? []) cellFor(r.id, q).targets.add(q.targetLevel);
    }
  }
  for (const l of ctx.learners) {
    const cells = requiredCells(ctx, l);
    if (cells.length === 0 && (l.role === null || !ctx.ix.requirements.has(l.role))) continue;
    const g = groupOf(by, l);
    people.set(g, (people.get(g) ?? 0) + 1);
    for (const c of cells) {
      const a = cellFor(g, c.requirement);
      a.targets.add(c.requirement.targetLevel);
      a.people++;
      a.levels += c.shortfallLevels;
      a.score += c.shortfallScore;
      if (c.below) {
        a.below++;
        a.levelsBelow += c.shortfallLevels;
      }
    }
  }
  const order = new Map(ctx.ix.framework.competencies.map((c, i) => [c.id, i] as const));
  const groups = [...people.entries()].map(([group, n]) => ({ group, people: n })).sort((a, b) => cmpNullable(a.group, b.group));
  const cells = [...acc.values()]
    .sort((a, b) => cmpNullable(a.group, b.group) || (order.get(a.competencyId) ?? 0) - (order.get(b.competencyId) ?? 0))
    .map((a) => ({
      group: a.group,
      competencyId: a.competencyId,
      targetLevel: a.targets.size === 1 ? [...a.targets][0] as string : null,
      people: a.people,
      below: a.below,
      shareBelow: ratio(a.below, a.people),
      meanShortfallLevels: ratio(a.levels, a.people),
      meanShortfallLevelsBelow: ratio(a.levelsBelow, a.below),
      meanShortfallScore: ratio(a.score, a.people),
    }));
  const used = new Set(cells.map((c) => c.competencyId));
  const table: Table = {
    columns: ['group', 'competencyId', 'targetLevel', 'people', 'below', 'shareBelow', 'meanShortfallLevels', 'meanShortfallLevelsBelow', 'meanShortfallScore'],
    rows: cells.map((c) => [c.group, c.competencyId, c.targetLevel, c.people, c.below, c.shareBelow, c.meanShortfallLevels, c.meanShortfallLevelsBelow, c.meanShortfallScore]),
  };
  return {
    json: { by, groups, competencies: ctx.ix.framework.competencies.filter((c) => used.has(c.id)).map((c) => ({ id: c.id, title: c.title })), cells },
    table,
  };
}

/** The learners behind one heatmap cell (`group` null: learners without a team). */
export function gapLearners(ctx: AggregateContext, by: GapBy, group: string | null, competencyId: string) {
  const learners = [];
  for (const l of ctx.learners) {
    if (groupOf(by, l) !== group) continue;
    const [c] = requiredCells(ctx, l, competencyId);
    if (c === undefined) continue;
    const held = validationAt(ctx.snapshot.cellsOf(l, ctx.ix.framework.id).get(competencyId), ctx.at);
    learners.push({
      learnerId: l.learnerId, name: l.name, role: l.role, team: l.team, cohort: l.cohort, manager: l.manager,
      targetLevel: c.requirement.targetLevel, heldLevel: held?.[0] ?? null, below: c.below, shortfallLevels: c.shortfallLevels,
      score: c.score, validUntil: iso(held?.[2]),
    });
  }
  return {
    json: { by, group, competencyId, learners },
    table: {
      columns: ['learnerId', 'name', 'role', 'team', 'cohort', 'manager', 'targetLevel', 'heldLevel', 'below', 'shortfallLevels', 'score', 'validUntil'],
      rows: learners.map((x) => [x.learnerId, x.name, x.role, x.team, x.cohort, x.manager, x.targetLevel, x.heldLevel, x.below, x.shortfallLevels, x.score, x.validUntil]),
    } satisfies Table,
  };
}

/** Readiness counts of a set of learners (all their required cells, or one competency's). */
export function readinessOf(ctx: AggregateContext, learners: readonly LearnerRow[], only?: string) {
  let ready = 0;
  let requiredCellCount = 0;
  let validatedCells = 0;
  for (const l of learners) {
    const cells = requiredCells(ctx, l, only);
    const held = cells.filter((c) => !c.below).length;
    requiredCellCount += cells.length;
    validatedCells += held;
    if (held === cells.length) ready++;
  }
  const people = learners.length;
  return { people, ready, shareReady: ratio(ready, people), requiredCells: requiredCellCount, validatedCells, coverage: ratio(validatedCells, requiredCellCount) };
}

/** Per role: share of people with every requirement validated and unexpired at `to`; coverage of required cells. */
export function readiness(ctx: AggregateContext) {
  const roles = rolesInScope(ctx).map((r) => {
    const members = ctx.learners.filter((l) => l.role === r.id);
    return { role: r.id, title: r.title, requirements: (ctx.ix.requirements.get(r.id) ?? []).length, ...readinessOf(ctx, members) };
  });
  const all = ctx.learners.filter((l) => l.role !== null && ctx.ix.requirements.has(l.role));
  const total = readinessOf(ctx, all);
  return {
    json: { roles, total },
    table: {
      columns: ['role', 'title', 'requirements', 'people', 'ready', 'shareReady', 'requiredCells', 'validatedCells', 'coverage'],
      rows: [
        ...roles.map((r) => [r.role, r.title, r.requirements, r.people, r.ready, r.shareReady, r.requiredCells, r.validatedCells, r.coverage]),
        ['*', 'all roles', null, total.people, total.ready, total.shareReady, total.requiredCells, total.validatedCells, total.coverage],
      ],
    } satisfies Table,
  };
}

/** The framework's roles, or only the one the `role` filter names. */
export function rolesInScope(ctx: AggregateContext) {
  return ctx.ix.framework.roles.filter((r) => ctx.filters.role === undefined || r.id === ctx.filters.role);
}

export function cmpNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
