import type { LearnerRow } from '../analytics-snapshot';
import { validationAt } from '../framework-index';
import { ratio, type AggregateContext, type Table } from './aggregate-context';
import { cmpNullable, readinessOf, requiredCells } from './gaps';
import { pooledTimeToCompetency } from './time-to-competency';

function byCohort(learners: readonly LearnerRow[]): Map<string | null, LearnerRow[]> {
  const out = new Map<string | null, LearnerRow[]>();
  for (const l of learners) {
    const list = out.get(l.cohort);
    if (list === undefined) out.set(l.cohort, [l]);
    else list.push(l);
  }
  return new Map([...out.entries()].sort((a, b) => cmpNullable(a[0], b[0])));
}

/** People per estimated and per validated level, per competency × cohort. */
export function proficiency(ctx: AggregateContext, opts: { competency?: string }) {
  const fw = ctx.ix.framework.id;
  const competencies = ctx.ix.framework.competencies.filter((c) => opts.competency === undefined || c.id === opts.competency);
  const cohorts = byCohort(ctx.learners);
  const rows = [];
  for (const [cohort, members] of cohorts) {
    const acc = new Map<string, { assessed: number; scoreSum: number; scored: number; byLevel: Map<string, number>; byValidated: Map<string, number> }>();
    for (const l of members) {
      for (const [competencyId, cell] of ctx.snapshot.cellsOf(l, fw)) {
        if (!ctx.ix.competencies.has(competencyId) || (opts.competency !== undefined && competencyId !== opts.competency)) continue;
        let a = acc.get(competencyId);
        if (a === undefined) acc.set(competencyId, (a = { assessed: 0, scoreSum: 0, scored: 0, byLevel: new Map(), byValidated: new Map() }));
        a.assessed++;
        if (cell.s !== null) {
          a.scoreSum += cell.s;
          a.scored++;
        }
        const lv = cell.lv ?? 'none';
        a.byLevel.set(lv, (a.byLevel.get(lv) ?? 0) + 1);
        const held = validationAt(cell, ctx.at);
        if (held !== null) a.byValidated.set(held[0], (a.byValidated.get(held[0]) ?? 0) + 1);
      }
    }
    for (const c of competencies) {
      const a = acc.get(c.id);
      const byLevel: Record<string, number> = { none: a?.byLevel.get('none') ?? 0 };
      const byValidatedLevel: Record<string, number> = {};
      let validated = 0;
      for (const level of c.scale.levels) {
        byLevel[level.id] = a?.byLevel.get(level.id) ?? 0;
        byValidatedLevel[level.id] = a?.byValidated.get(level.id) ?? 0;
        validated += byValidatedLevel[level.id] as number;
      }
      rows.push({
        competencyId: c.id, cohort, people: members.length, assessed: a?.assessed ?? 0,
        meanScore: a === undefined ? null : ratio(a.scoreSum, a.scored),
        byLevel, byValidatedLevel: { none: members.length - validated, ...byValidatedLevel } as Record<string, number>,
      });
    }
  }
  const order = new Map(ctx.ix.framework.competencies.map((c, i) => [c.id, i] as const));
  rows.sort((a, b) => (order.get(a.competencyId) ?? 0) - (order.get(b.competencyId) ?? 0) || cmpNullable(a.cohort, b.cohort));
  // CSV: the union of the scales' levels, in scale order, then none.
  const levels: string[] = [];
  for (const c of competencies) for (const l of c.scale.levels) if (!levels.includes(l.id)) levels.push(l.id);
  const table: Table = {
    columns: ['competencyId', 'cohort', 'people', 'assessed', 'meanScore', ...levels.map((l) => `level:${l}`), 'level:none', ...levels.map((l) => `validated:${l}`), 'validated:none'],
    rows: rows.map((r) => [
      r.competencyId, r.cohort, r.people, r.assessed, r.meanScore,
      ...levels.map((l) => (r.byLevel[l] ?? null)), r.byLevel.none ?? 0,
      ...levels.map((l) => (r.byValidatedLevel[l] ?? null)), r.byValidatedLevel.none ?? 0,
    ]),
  };
  return { json: { rows }, table };
}

/** The same measures side by side per cohort. */
export function cohorts(ctx: AggregateContext, opts: { competency?: string }) {
  const rows = [];
  for (const [cohort, members] of byCohort(ctx.learners)) {
    const withRole = members.filter((l) => l.role !== null && ctx.ix.requirements.has(l.role));
    const r = readinessOf(ctx, withRole, opts.competency);
    let levels = 0;
    let scoreSum = 0;
    let scored = 0;
    for (const l of withRole) {
      for (const c of requiredCells(ctx, l, opts.competency)) {
        levels += c.shortfallLevels;
        if (c.score !== null) {
          scoreSum += c.score;
          scored++;
        }
      }
    }
    const { curve: _curve, noStart: _noStart, ...ttc } = pooledTimeToCompetency(ctx, withRole, opts.competency);
    const below = r.requiredCells - r.validatedCells;
    rows.push({
      cohort, people: members.length, withRole: withRole.length, ready: r.ready, shareReady: ratio(r.ready, withRole.length),
      requiredCells: r.requiredCells, validatedCells: r.validatedCells, coverage: r.coverage,
      below, shareBelow: ratio(below, r.requiredCells), meanShortfallLevels: ratio(levels, r.requiredCells),
      meanScore: ratio(scoreSum, scored), ...ttc,
    });
  }
  const columns = ['cohort', 'people', 'withRole', 'ready', 'shareReady', 'requiredCells', 'validatedCells', 'coverage', 'below', 'shareBelow', 'meanShortfallLevels', 'meanScore', 'n', 'events', 'censored', 'median', 'p75', 'p90'] as const;
  return { json: { rows }, table: { columns: [...columns], rows: rows.map((r) => columns.map((c) => r[c])) } satisfies Table };
}
