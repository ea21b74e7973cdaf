import type { CompactCell } from '../feed-payload';
import { dueAt, validationAt } from '../framework-index';
import { LEAF } from '../framework-view';
import { iso, type AggregateContext, type Table } from './aggregate-context';

/** The latest validation event started by `t` (in force or expired), and whether it is in force. */
export function latestValidation(cell: CompactCell | undefined, t: number): { event: [string, number, number | null]; inForce: boolean } | null {
  if (cell === undefined) return null;
  const inForce = validationAt(cell, t);
  if (inForce !== null) return { event: inForce, inForce: true };
  if (cell.r === true) return cell.vl !== null && cell.va !== null && cell.va <= t ? { event: [cell.vl, cell.va, cell.vu], inForce: false } : null;
  for (let k = cell.h.length - 1; k >= 0; k--) {
    const e = cell.h[k] as [string, number, number | null];
    if (e[1] <= t) return { event: e, inForce: false };
  }
  return null;
}

export interface MatrixOptions { limit: number; after?: string; competency?: string }

/** Learners × competencies, one page of learners. */
export function skillsMatrix(ctx: AggregateContext, opts: MatrixOptions) {
  const { ix, snapshot, at } = ctx;
  const columns = ix.framework.competencies.filter((c) => opts.competency === undefined || c.id === opts.competency);
  let start = 0;
  if (opts.after !== undefined) {
    const after = opts.after;
    // Learners are sorted by id: the first one after the cursor.
    let lo = 0;
    let hi = ctx.learners.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ctx.learners[mid]?.learnerId as string) <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page = ctx.learners.slice(start, start + opts.limit);
  const more = start + opts.limit < ctx.learners.length;
  const learners = page.map((l) => {
    const cells = snapshot.cellsOf(l, ix.framework.id);
    const required = l.role === null ? undefined : ix.requirementOf.get(l.role);
    const out = [];
    for (const c of columns) {
      const cell = cells.get(c.id);
      const req = required?.get(c.id);
      if (cell === undefined && req === undefined) continue;
      const v = latestValidation(cell, at);
      out.push({
        competencyId: c.id,
        requiredLevel: req?.targetLevel ?? null,
        level: cell?.lv ?? null,
        score: cell?.s ?? null,
        interval: cell?.i ?? null,
        evidenceCount: cell?.n ?? 0,
        validated: v?.inForce ?? false,
        validatedLevel: v?.inForce ? v.event[0] : null,
        validatedAt: iso(v?.event[1]),
        validUntil: iso(v?.event[2]),
        reassessmentDueAt: v?.inForce ? iso(dueAt(c, v.event)) : null,
      });
    }
    return { learnerId: l.learnerId, name: l.name, role: l.role, team: l.team, cohort: l.cohort, manager: l.manager, cells: out };
  });
  const table: Table = {
    columns: ['learnerId', 'name', 'role', 'team', 'cohort', 'manager', 'competencyId', 'requiredLevel', 'level', 'score', 'scoreLow', 'scoreHigh', 'evidenceCount', 'validated', 'validatedLevel', 'validatedAt', 'validUntil', 'reassessmentDueAt'],
    rows: learners.flatMap((l) => l.cells.map((c) => [l.learnerId, l.name, l.role, l.team, l.cohort, l.manager, c.competencyId, c.requiredLevel, c.level, c.score, c.interval?.[0] ?? null, c.interval?.[1] ?? null, c.evidenceCount, c.validated, c.validatedLevel, c.validatedAt, c.validUntil, c.reassessmentDueAt])),
  };
  return {
    json: {
      competencies: columns.map((c) => ({ id: c.id, title: c.title, levels: c.scale.levels.map((x) => x.id), rollup: c.rollup !== undefined })),
      learners,
    },
    table,
    nextAfter: more ? (page[page.length - 1]?.learnerId ?? null) : null,
  };
}

export interface ReassessmentOptions { days: number; limit: number; after?: [number, string, string] }

/** Validations in force at `to` that fall due within `days` (or already are). */
export function reassessments(ctx: AggregateContext, opts: ReassessmentOptions) {
  const { ix, snapshot, at } = ctx;
  const horizon = at + opts.days * 86_400_000;
  const all: Array<{ due: number; learner: (typeof ctx.learners)[number]; competencyId: string; event: [string, number, number | null]; key: [number, string, string] }> = [];
  const { view } = ctx;
  const leadMs = ix.framework.competencies.map((c) => (c.reassessmentLeadDays ?? 0) * 86_400_000);
  for (const l of ctx.learners) {
    const base = l.row * view.cols;
    for (let j = 0; j < view.cols; j++) {
      const i = base + j;
      if (view.kind[i] !== LEAF) continue;
      const va1 = view.va1[i] as number;
      if (Number.isNaN(va1)) continue;
      let e: [string, number, number | null] | null;
      if (va1 <= at) {
        // The latest event (the common case): in force and expiring?
        const vu = view.vu1[i] as number;
        if (Number.isNaN(vu) || at >= vu || vu - (leadMs[j] as number) > horizon) continue;
        e = validationAt(snapshot.cellsOf(l, ix.framework.id).get(ix.framework.competencies[j]?.id ?? ''), at);
      } else {
        e = validationAt(snapshot.cellsOf(l, ix.framework.id).get(ix.framework.competencies[j]?.id ?? ''), at);
      }
      if (e === null) continue;
      const competencyId = ix.framework.competencies[j]?.id as string;
      const due = dueAt(ix.competencies.get(competencyId), e);
      if (due !== null && due <= horizon) all.push({ due, learner: l, competencyId, event: e, key: [due, l.learnerId, competencyId] });
    }
  }
  const cmp = (a: [number, string, string], b: [number, string, string]) => (a[0] - b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
  const key = (x: (typeof all)[number]): [number, string, string] => x.key;
  all.sort((a, b) => cmp(key(a), key(b)));
  const rest = opts.after === undefined ? all : all.filter((x) => cmp(key(x), opts.after as [number, string, string]) > 0);
  const page = rest.slice(0, opts.limit);
  const items = page.map((x) => ({
    learnerId: x.learner.learnerId, name: x.learner.name, role: x.learner.role, team: x.learner.team, cohort: x.learner.cohort, manager: x.learner.manager,
    competencyId: x.competencyId, validatedLevel: x.event[0], reassessmentDueAt: iso(x.due), validUntil: iso(x.event[2]), overdue: x.due < at,
  }));
  const last = page[page.length - 1];
  return {
    json: { days: opts.days, count: all.length, items },
    table: {
      columns: ['learnerId', 'name', 'role', 'team', 'cohort', 'manager', 'competencyId', 'validatedLevel', 'reassessmentDueAt', 'validUntil', 'overdue'],
      rows: items.map((i) => [i.learnerId, i.name, i.role, i.team, i.cohort, i.manager, i.competencyId, i.validatedLevel, i.reassessmentDueAt, i.validUntil, i.overdue]),
    } satisfies Table,
    nextAfter: rest.length > page.length && last !== undefined ? key(last) : null,
  };
}
