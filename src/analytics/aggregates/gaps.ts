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

// Accumulator fields per (group, competency position), in one Float64Array per group.
const PEOPLE = 0;
const BELOW = 1;
const LEVELS = 2;
const LEVELS_BELOW = 3;
const SCORE = 4;
const MIXED_TARGET = 5;
const TARGET = 6;
const FIELDS = 7;
const add = (a: Float64Array, i: number, v: number) => { a[i] = (a[i] as number) + v; };

/** Role or team × required competency: share below the required level and mean shortfall. */
export function gaps(ctx: AggregateContext, by: GapBy) {
  const { ix, at } = ctx;
  const n = ix.framework.competencies.length;
  const acc = new Map<string | null, Float64Array>();
  const people = new Map<string | null, number>();
  const groupAcc = (g: string | null): Float64Array => {
    let a = acc.get(g);
    if (a === undefined) {
      acc.set(g, (a = new Float64Array(n * FIELDS)));
      for (let i = 0; i < n; i++) a[i * FIELDS + TARGET] = -1;
    }
    return a;
  };
  const touch = (a: Float64Array, q: Requirement) => {
    const o = q.position * FIELDS;
    if (a[o + TARGET] === -1) a[o + TARGET] = q.targetIndex;
    else if (a[o + TARGET] !== q.targetIndex) a[o + MIXED_TARGET] = 1;
  };
  if (by === 'role') {
    // Every role in scope has a row for each requirement, people or not.
    for (const r of rolesInScope(ctx)) {
      people.set(r.id, 0);
      const a = groupAcc(r.id);
      for (const q of ix.requirements.get(r.id) ?? []) touch(a, q);
    }
  }
  const { view } = ctx;
  for (const l of ctx.learners) {
    const reqs = l.role === null ? undefined : ix.requirements.get(l.role);
    if (reqs === undefined) continue;
    const g = groupOf(by, l);
    people.set(g, (people.get(g) ?? 0) + 1);
    const a = groupAcc(g);
    const base = l.row * view.cols;
    for (const q of reqs) {
      const i = base + q.position;
      const held = view.heldAt(i, at, l);
      const o = q.position * FIELDS;
      touch(a, q);
      add(a, o + PEOPLE, 1);
      const short = held < q.targetIndex ? q.targetIndex - held : 0;
      add(a, o + LEVELS, short);
      const s = view.score[i] as number;
      const score = Number.isNaN(s) ? 0 : s;
      if (score < q.threshold) add(a, o + SCORE, q.threshold - score);
      if (short > 0) {
        add(a, o + BELOW, 1);
        add(a, o + LEVELS_BELOW, short);
      }
    }
  }
  const competencies = ix.framework.competencies;
  const groups = [...people.entries()].map(([group, count]) => ({ group, people: count })).sort((x, y) => cmpNullable(x.group, y.group));
  const cells = [];
  const used = new Set<string>();
  for (const { group } of groups) {
    const a = acc.get(group) as Float64Array;
    for (let i = 0; i < n; i++) {
      const o = i * FIELDS;
      if (a[o + TARGET] === -1) continue;
      const c = competencies[i] as (typeof competencies)[number];
      used.add(c.id);
      const p = a[o + PEOPLE] as number;
      const below = a[o + BELOW] as number;
      cells.push({
        group,
        competencyId: c.id,
        targetLevel: a[o + MIXED_TARGET] === 1 ? null : (c.scale.levels[a[o + TARGET] as number]?.id ?? null),
        people: p,
        below,
        shareBelow: ratio(below, p),
        meanShortfallLevels: ratio(a[o + LEVELS] as number, p),
        meanShortfallLevelsBelow: ratio(a[o + LEVELS_BELOW] as number, below),
        meanShortfallScore: ratio(a[o + SCORE] as number, p),
      });
    }
  }
  const table: Table = {
    columns: ['group', 'competencyId', 'targetLevel', 'people', 'below', 'shareBelow', 'meanShortfallLevels', 'meanShortfallLevelsBelow', 'meanShortfallScore'],
    rows: cells.map((c) => [c.group, c.competencyId, c.targetLevel, c.people, c.below, c.shareBelow, c.meanShortfallLevels, c.meanShortfallLevelsBelow, c.meanShortfallScore]),
  };
  return {
    json: { by, groups, competencies: competencies.filter((c) => used.has(c.id)).map((c) => ({ id: c.id, title: c.title })), cells },
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
  const { ix, at, view } = ctx;
  let ready = 0;
  let requiredCellCount = 0;
  let validatedCells = 0;
  for (const l of learners) {
    const reqs = l.role === null ? undefined : ix.requirements.get(l.role);
    const base = l.row * view.cols;
    let required = 0;
    let held = 0;
    for (const q of reqs ?? []) {
      if (only !== undefined && q.competencyId !== only) continue;
      required++;
      if (view.heldAt(base + q.position, at, l) >= q.targetIndex) held++;
    }
    requiredCellCount += required;
    validatedCells += held;
    if (held === required) ready++;
  }
  const people = learners.length;
  return { people, ready, shareReady: ratio(ready, people), requiredCells: requiredCellCount, validatedCells, coverage: ratio(validatedCells, requiredCellCount) };
}

/** Per role: share of people with every requirement validated and unexpired at `to`; coverage of required cells. */
export function readiness(ctx: AggregateContext) {
  const byRole = new Map<string, LearnerRow[]>();
  for (const l of ctx.learners) {
    if (l.role === null) continue;
    const list = byRole.get(l.role);
    if (list === undefined) byRole.set(l.role, [l]);
    else list.push(l);
  }
  const roles = rolesInScope(ctx).map((r) => {
    const members = byRole.get(r.id) ?? [];
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
