import type { LearnerRow } from '../analytics-snapshot';
import { ABSENT } from '../framework-view';
import { encodeDuration, survivalSummary, type SurvivalStepDays } from '../survival';
import type { AggregateContext, Table } from './aggregate-context';
import { cmpNullable } from './gaps';

export type TtcKey = 'competency' | 'role' | 'cohort';
export const TTC_KEYS: readonly TtcKey[] = ['competency', 'role', 'cohort'];

const firstEvidenceKey = (learnerId: string, frameworkId: string, competencyId: string) => `${learnerId}\u0000${frameworkId}\u0000${competencyId}`;

/** Cells whose first evidence time is needed (no role assignment) and not yet known: fetch them first. */
export function missingFirstEvidence(ctx: AggregateContext): Array<{ learnerId: string; frameworkId: string; competencyId: string }> {
  const fw = ctx.ix.framework.id;
  const out = [];
  for (const l of ctx.learners) {
    if (l.assignedAt !== null || l.role === null) continue;
    const cells = ctx.snapshot.cellsOf(l, fw);
    for (const q of ctx.ix.requirements.get(l.role) ?? []) {
      if (!q.rollup && cells.has(q.competencyId) && !ctx.snapshot.firstEvidence.has(firstEvidenceKey(l.learnerId, fw, q.competencyId))) out.push({ learnerId: l.learnerId, frameworkId: fw, competencyId: q.competencyId });
    }
  }
  return out;
}

interface Group { position: number; role: string | null; cohort: string | null; target: string | null; mixed: boolean; codes: number[]; noStart: number }

/**
 * Subjects are (learner in scope, required leaf competency) pairs (roll-ups have no evidence of
 * their own). Start: the role assignment, else the first live evidence. Event: the first
 * validation at or above the target (`firstValidatedAt`) by `to`; otherwise censored at
 * min(`to`, now). Subjects without a start are counted as `noStart`; those starting after `to`
 * or before `from` are left out. Grouped by the `by` keys.
 */
export function ttcGroups(ctx: AggregateContext, learners: readonly LearnerRow[], opts: { by: readonly TtcKey[]; competency?: string }): Group[] {
  const { ix, at, from, view } = ctx;
  const fw = ix.framework.id;
  const censorAt = Math.min(at, ctx.now);
  const byCompetency = opts.by.includes('competency');
  const byRole = opts.by.includes('role');
  const byCohort = opts.by.includes('cohort');
  // Small-integer group keys: (role, cohort, competency position), each 0 when not grouped by.
  const groups = new Map<number, Group>();
  const roleIndex = new Map(ix.framework.roles.map((r, i) => [r.id, i + 1] as const));
  const cohortIndex = new Map<string | null, number>();
  if (byCohort) for (const l of learners) if (!cohortIndex.has(l.cohort)) cohortIndex.set(l.cohort, cohortIndex.size + 1);
  const cohorts = cohortIndex.size + 1;
  for (const l of learners) {
    const reqs = l.role === null ? undefined : ix.requirements.get(l.role);
    if (reqs === undefined) continue;
    const base = l.row * view.cols;
    const prefix = ((byRole ? (roleIndex.get(l.role as string) ?? 0) : 0) * cohorts + (byCohort ? (cohortIndex.get(l.cohort) ?? 0) : 0)) * (view.cols + 1);
    for (const q of reqs) {
      if (q.rollup || (opts.competency !== undefined && q.competencyId !== opts.competency)) continue;
      const key = prefix + (byCompetency ? q.position + 1 : 0);
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { position: q.position, role: l.role, cohort: l.cohort, target: q.targetLevel, mixed: false, codes: [], noStart: 0 }));
      else if (g.target !== q.targetLevel) g.mixed = true;
      const i = base + q.position;
      const start = l.assignedAt ?? (view.kind[i] === ABSENT ? null : (ctx.snapshot.firstEvidence.get(firstEvidenceKey(l.learnerId, fw, q.competencyId)) ?? null));
      if (start === null) {
        g.noStart++;
        continue;
      }
      if (start > at || (from !== null && start < from)) continue;
      const reached = view.fv[i * view.maxLevels + q.targetIndex] as number;
      g.codes.push(reached <= at ? encodeDuration(reached - start, false) : encodeDuration(censorAt - start, true));
    }
  }
  return [...groups.values()];
}

/**
 * The Kaplan–Meier curve at day resolution, for charts: one point per day `d` (durations in
 * [d, d + 1) days) on which validations happened: the number at risk at the day's first
 * validation, the validations and censorings from then to the end of the day, and the estimated
 * share not yet validated at the end of the day.
 */
export function curveByDay(curve: readonly SurvivalStepDays[]): SurvivalStepDays[] {
  const out: SurvivalStepDays[] = [];
  let current: SurvivalStepDays | null = null;
  for (const s of curve) {
    const day = Math.floor(s.days);
    if (current !== null && current.days === day) {
      current.events += s.events;
      current.censored += s.censored;
      current.survival = s.survival;
    } else if (s.events > 0) {
      current = { days: day, atRisk: s.atRisk, events: s.events, censored: s.censored, survival: s.survival };
      out.push(current);
    }
  }
  return out;
}

export interface TtcOptions { by: TtcKey[]; competency?: string; curves: boolean }

/** Median, p75 and p90 time-to-competency per group of `by`, from Kaplan–Meier estimates. */
export function timeToCompetency(ctx: AggregateContext, opts: TtcOptions) {
  const groups = ttcGroups(ctx, ctx.learners, opts);
  const competencies = ctx.ix.framework.competencies;
  const [byCompetency, byRole, byCohort] = (['competency', 'role', 'cohort'] as const).map((k) => opts.by.includes(k));
  groups.sort((a, b) => (byCompetency ? a.position - b.position : 0) || (byRole ? cmpNullable(a.role, b.role) : 0) || (byCohort ? cmpNullable(a.cohort, b.cohort) : 0));
  const keyColumns = opts.by.map((k) => (k === 'competency' ? 'competencyId' : k));
  const rows = groups.map((g) => {
    const row: Record<string, unknown> = {};
    if (byCompetency) row.competencyId = competencies[g.position]?.id ?? null;
    if (byRole) row.role = g.role;
    if (byCohort) row.cohort = g.cohort;
    const summary = survivalSummary(g.codes, opts.curves);
    row.targetLevel = g.mixed ? null : g.target;
    row.n = summary.n;
    row.events = summary.events;
    row.censored = summary.censored;
    row.noStart = g.noStart;
    row.median = summary.median;
    row.p75 = summary.p75;
    row.p90 = summary.p90;
    if (opts.curves) row.curve = curveByDay(summary.curve ?? []);
    return row;
  });
  const table: Table = {
    columns: [...keyColumns, 'targetLevel', 'n', 'events', 'censored', 'noStart', 'median', 'p75', 'p90'],
    rows: rows.map((r) => [...keyColumns, 'targetLevel', 'n', 'events', 'censored', 'noStart', 'median', 'p75', 'p90'].map((c) => r[c] as string | number | null)),
  };
  return { json: { by: opts.by, unit: 'days', groups: rows }, table };
}
