import { kaplanMeier, type SurvivalDuration, type SurvivalStep } from '../../engine';
import type { LearnerRow } from '../analytics-snapshot';
import { DAY_MS, firstValidatedAt } from '../framework-index';
import type { AggregateContext, Table } from './aggregate-context';
import { cmpNullable } from './gaps';

export type TtcKey = 'competency' | 'role' | 'cohort';
export const TTC_KEYS: readonly TtcKey[] = ['competency', 'role', 'cohort'];

/** One (learner, required competency) subject of time-to-competency. */
interface Subject { learner: LearnerRow; competencyId: string; targetLevel: string; start: number | null }

/** Subjects: required leaf competencies of the learners in scope (roll-ups have no evidence of their own). */
function subjects(ctx: AggregateContext, only?: string): Subject[] {
  const out: Subject[] = [];
  for (const l of ctx.learners) {
    const reqs = l.role === null ? undefined : ctx.ix.requirements.get(l.role);
    if (reqs === undefined) continue;
    for (const q of reqs) {
      if (only !== undefined && q.competencyId !== only) continue;
      if (ctx.ix.competencies.get(q.competencyId)?.rollup !== undefined) continue;
      const start = l.assignedAt ?? ctx.snapshot.firstEvidence.get(`${l.learnerId}\u0000${ctx.ix.framework.id}\u0000${q.competencyId}`) ?? null;
      out.push({ learner: l, competencyId: q.competencyId, targetLevel: q.targetLevel, start });
    }
  }
  return out;
}

/** Cells whose first evidence time is needed (no role assignment) and not yet known: fetch them first. */
export function missingFirstEvidence(ctx: AggregateContext): Array<{ learnerId: string; frameworkId: string; competencyId: string }> {
  const fw = ctx.ix.framework.id;
  const out = [];
  for (const l of ctx.learners) {
    if (l.assignedAt !== null || l.role === null) continue;
    const cells = ctx.snapshot.cellsOf(l, fw);
    for (const q of ctx.ix.requirements.get(l.role) ?? []) {
      if (cells.has(q.competencyId) && !ctx.snapshot.firstEvidence.has(`${l.learnerId}\u0000${fw}\u0000${q.competencyId}`)) out.push({ learnerId: l.learnerId, frameworkId: fw, competencyId: q.competencyId });
    }
  }
  return out;
}

export interface SurvivalSummary {
  n: number;
  events: number;
  censored: number;
  noStart: number;
  median: number | null;
  p75: number | null;
  p90: number | null;
  curve: Array<{ days: number; atRisk: number; events: number; censored: number; survival: number }>;
}

/** Kaplan–Meier summary of durations in days (quantile rule as the engine's `survivalQuantiles`). */
export function summarise(durations: SurvivalDuration[], noStart: number): SurvivalSummary {
  const curve: SurvivalStep[] = kaplanMeier(durations);
  const q = (p: number) => curve.find((s) => s.events > 0 && s.survival <= 1 - p + 1e-12)?.time ?? null;
  const events = durations.filter((d) => !d.censored).length;
  return {
    n: durations.length, events, censored: durations.length - events, noStart,
    median: q(0.5), p75: q(0.75), p90: q(0.9),
    curve: curve.map((s) => ({ days: s.time, atRisk: s.atRisk, events: s.events, censored: s.censored, survival: s.survival })),
  };
}

/**
 * Durations of subjects: start (role assignment, else first evidence) to the first validation at or
 * above the target by `to`; censored at min(`to`, now) otherwise. Subjects without a start, or
 * starting after `to` or before `from`, are left out (the former counted as `noStart`).
 */
export function durationsOf(ctx: AggregateContext, list: readonly Subject[]): { durations: SurvivalDuration[]; noStart: number } {
  const censorAt = Math.min(ctx.at, ctx.now);
  const durations: SurvivalDuration[] = [];
  let noStart = 0;
  for (const s of list) {
    if (s.start === null) {
      noStart++;
      continue;
    }
    if (s.start > ctx.at || (ctx.from !== null && s.start < ctx.from)) continue;
    const reached = firstValidatedAt(ctx.snapshot.cellsOf(s.learner, ctx.ix.framework.id).get(s.competencyId), s.targetLevel);
    if (reached !== null && reached <= ctx.at) durations.push({ duration: Math.max(0, reached - s.start) / DAY_MS, censored: false });
    else durations.push({ duration: Math.max(0, censorAt - s.start) / DAY_MS, censored: true });
  }
  return { durations, noStart };
}

/** Time-to-competency of every required (learner, competency) pair in scope, pooled. */
export function pooledTimeToCompetency(ctx: AggregateContext, learners: readonly LearnerRow[], only?: string): SurvivalSummary {
  const { durations, noStart } = durationsOf(ctx, subjects({ ...ctx, learners: [...learners] }, only));
  return summarise(durations, noStart);
}

export interface TtcOptions { by: TtcKey[]; competency?: string; curves: boolean }

/** Median, p75 and p90 time-to-competency per group of `by`, from Kaplan–Meier estimates. */
export function timeToCompetency(ctx: AggregateContext, opts: TtcOptions) {
  const groups = new Map<string, { competencyId: string; role: string | null; cohort: string | null; targets: Set<string>; subjects: Subject[] }>();
  for (const s of subjects(ctx, opts.competency)) {
    const k = [opts.by.includes('competency') ? s.competencyId : '', opts.by.includes('role') ? (s.learner.role ?? '') : '', opts.by.includes('cohort') ? (s.learner.cohort ?? '\u0001') : ''].join('\u0000');
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { competencyId: s.competencyId, role: s.learner.role, cohort: s.learner.cohort, targets: new Set(), subjects: [] }));
    g.targets.add(s.targetLevel);
    g.subjects.push(s);
  }
  const order = new Map(ctx.ix.framework.competencies.map((c, i) => [c.id, i] as const));
  const rows = [...groups.values()].map((g) => {
    const { durations, noStart } = durationsOf(ctx, g.subjects);
    const summary = summarise(durations, noStart);
    const keys: Record<string, string | null> = {};
    if (opts.by.includes('competency')) keys.competencyId = g.competencyId;
    if (opts.by.includes('role')) keys.role = g.role;
    if (opts.by.includes('cohort')) keys.cohort = g.cohort;
    const { curve, ...counts } = summary;
    return { keys, row: { ...keys, targetLevel: g.targets.size === 1 ? [...g.targets][0] as string : null, ...counts, ...(opts.curves ? { curve } : {}) }, sort: g };
  });
  rows.sort((a, b) => (opts.by.includes('competency') ? (order.get(a.sort.competencyId) ?? 0) - (order.get(b.sort.competencyId) ?? 0) : 0)
    || (opts.by.includes('role') ? cmpNullable(a.sort.role, b.sort.role) : 0)
    || (opts.by.includes('cohort') ? cmpNullable(a.sort.cohort, b.sort.cohort) : 0));
  const keyColumns = opts.by.map((k) => (k === 'competency' ? 'competencyId' : k));
  const table: Table = {
    columns: [...keyColumns, 'targetLevel', 'n', 'events', 'censored', 'noStart', 'median', 'p75', 'p90'],
    rows: rows.map(({ keys, row }) => [...keyColumns.map((c) => keys[c] ?? null), row.targetLevel, row.n, row.events, row.censored, row.noStart, row.median, row.p75, row.p90]),
  };
  return { json: { by: opts.by, unit: 'days', groups: rows.map((r) => r.row) }, table };
}
