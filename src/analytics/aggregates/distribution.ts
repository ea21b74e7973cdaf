import type { LearnerRow } from '../analytics-snapshot';
import { ABSENT } from '../framework-view';
import { ratio, type AggregateContext, type Table } from './aggregate-context';
import { cmpNullable } from './gaps';
import { ttcGroups } from './time-to-competency';
import { survivalSummary } from '../survival';

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
  const { view, at } = ctx;
  const competencies = ctx.ix.framework.competencies;
  const columns = opts.competency === undefined ? competencies.map((_, j) => j) : [ctx.ix.position.get(opts.competency) as number];
  const rows = [];
  for (const [cohort, members] of byCohort(ctx.learners)) {
    // Per column: assessed, scored, score sum, then counts per estimated level (+1 for none) and per validated level.
    const L = view.maxLevels;
    const assessed = new Int32Array(view.cols);
    const scored = new Int32Array(view.cols);
    const scoreSum = new Float64Array(view.cols);
    const byLevel = new Int32Array(view.cols * (L + 1));
    const byValidated = new Int32Array(view.cols * L);
    for (const l of members) {
      const base = l.row * view.cols;
      for (const j of columns) {
        const i = base + j;
        if (view.kind[i] === ABSENT) continue;
        assessed[j]!++;
        const s = view.score[i] as number;
        if (!Number.isNaN(s)) {
          scored[j]!++;
          scoreSum[j]! += s;
        }
        const lv = view.level[i] as number;
        byLevel[j * (L + 1) + (lv < 0 ? L : lv)]!++;
        const held = view.heldAt(i, at, l);
        if (held >= 0) byValidated[j * L + held]!++;
      }
    }
    for (const j of columns) {
      const c = competencies[j] as (typeof competencies)[number];
      const levelCounts: Record<string, number> = { none: byLevel[j * (L + 1) + L] as number };
      const validatedCounts: Record<string, number> = {};
      let validated = 0;
      c.scale.levels.forEach((level, k) => {
        levelCounts[level.id] = byLevel[j * (L + 1) + k] as number;
        validatedCounts[level.id] = byValidated[j * L + k] as number;
        validated += byValidated[j * L + k] as number;
      });
      rows.push({
        competencyId: c.id, cohort, people: members.length, assessed: assessed[j] as number,
        meanScore: ratio(scoreSum[j] as number, scored[j] as number),
        byLevel: levelCounts, byValidatedLevel: { none: members.length - validated, ...validatedCounts } as Record<string, number>,
      });
    }
  }
  const order = ctx.ix.position;
  rows.sort((a, b) => (order.get(a.competencyId) ?? 0) - (order.get(b.competencyId) ?? 0) || cmpNullable(a.cohort, b.cohort));
  // CSV: the union of the scales' levels, in scale order, then none.
  const levels: string[] = [];
  for (const j of columns) for (const l of (competencies[j] as (typeof competencies)[number]).scale.levels) if (!levels.includes(l.id)) levels.push(l.id);
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

/** The same measures side by side per cohort, in one pass over the required cells. */
export function cohorts(ctx: AggregateContext, opts: { competency?: string }) {
  const { view, at, ix } = ctx;
  const acc = new Map<string | null, { people: number; withRole: number; ready: number; required: number; validated: number; levels: number; scoreSum: number; scored: number }>();
  for (const l of ctx.learners) {
    let a = acc.get(l.cohort);
    if (a === undefined) acc.set(l.cohort, (a = { people: 0, withRole: 0, ready: 0, required: 0, validated: 0, levels: 0, scoreSum: 0, scored: 0 }));
    a.people++;
    const reqs = l.role === null ? undefined : ix.requirements.get(l.role);
    if (reqs === undefined) continue;
    a.withRole++;
    const base = l.row * view.cols;
    let required = 0;
    let held = 0;
    for (const q of reqs) {
      if (opts.competency !== undefined && q.competencyId !== opts.competency) continue;
      const i = base + q.position;
      const level = view.heldAt(i, at, l);
      required++;
      if (level >= q.targetIndex) held++;
      else a.levels += q.targetIndex - level;
      const s = view.score[i] as number;
      if (!Number.isNaN(s)) {
        a.scoreSum += s;
        a.scored++;
      }
    }
    a.required += required;
    a.validated += held;
    if (held === required) a.ready++;
  }
  const ttc = new Map(ttcGroups(ctx, ctx.learners, { by: ['cohort'], competency: opts.competency }).map((g) => [g.cohort, survivalSummary(g.codes, false)] as const));
  const rows = [...acc.entries()].sort((x, y) => cmpNullable(x[0], y[0])).map(([cohort, a]) => {
    const t = ttc.get(cohort);
    const below = a.required - a.validated;
    return {
      cohort, people: a.people, withRole: a.withRole, ready: a.ready, shareReady: ratio(a.ready, a.withRole),
      requiredCells: a.required, validatedCells: a.validated, coverage: ratio(a.validated, a.required),
      below, shareBelow: ratio(below, a.required), meanShortfallLevels: ratio(a.levels, a.required),
      meanScore: ratio(a.scoreSum, a.scored),
      n: t?.n ?? 0, events: t?.events ?? 0, censored: t?.censored ?? 0, median: t?.median ?? null, p75: t?.p75 ?? null, p90: t?.p90 ?? null,
    };
  });
  const columns = ['cohort', 'people', 'withRole', 'ready', 'shareReady', 'requiredCells', 'validatedCells', 'coverage', 'below', 'shareBelow', 'meanShortfallLevels', 'meanScore', 'n', 'events', 'censored', 'median', 'p75', 'p90'] as const;
  return { json: { rows }, table: { columns: [...columns], rows: rows.map((r) => columns.map((c) => r[c])) } satisfies Table };
}
