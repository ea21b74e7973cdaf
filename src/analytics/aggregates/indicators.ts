import type { MappingRule } from '../../engine';
import { ratio, type AggregateContext, type Table } from './aggregate-context';

/** The single activity a rule matches on, when it names exactly one (then it is the scenario). */
export function ruleActivity(rule: MappingRule | undefined): string | null {
  const ids = rule?.match.activityIds;
  return ids !== undefined && ids.length === 1 ? (ids[0] as string) : null;
}

/** Scenario statements whose activity must be looked up (their rule names several or none). */
export function unresolvedScenarioStatements(ctx: AggregateContext): string[] {
  const rules = new Map(ctx.rules.map((r) => [r.id, r] as const));
  const prefix = `${ctx.ix.framework.id}\u0000`;
  const out = new Set<string>();
  for (const l of ctx.learners) {
    for (const [key, items] of l.scenario) {
      if (!key.startsWith(prefix)) continue;
      for (const e of items) if (ruleActivity(rules.get(e.ruleId)) === null && !ctx.snapshot.activityOf.has(e.statementId)) out.add(e.statementId);
    }
  }
  return [...out];
}

interface Acc { activityId: string | null; competencyId: string; choices: number; correct: number; valueSum: number; learners: Set<string> }

/**
 * Correct choices over choices per scenario activity × competency, from live scenario evidence
 * observed in [`from`, `to`]. A choice is one (statement, competency); correct when its value
 * (the highest, if several rules produced one) ≥ `threshold`.
 */
export function scenarioAccuracy(ctx: AggregateContext, opts: { threshold: number }) {
  const rules = new Map(ctx.rules.map((r) => [r.id, r] as const));
  const prefix = `${ctx.ix.framework.id}\u0000`;
  const rows = new Map<string, Acc>();
  const perCompetency = new Map<string, Acc>();
  const add = (m: Map<string, Acc>, k: string, activityId: string | null, competencyId: string, learnerId: string, value: number) => {
    let a = m.get(k);
    if (a === undefined) m.set(k, (a = { activityId, competencyId, choices: 0, correct: 0, valueSum: 0, learners: new Set() }));
    a.choices++;
    if (value >= opts.threshold) a.correct++;
    a.valueSum += value;
    a.learners.add(learnerId);
  };
  for (const l of ctx.learners) {
    for (const [key, items] of l.scenario) {
      if (!key.startsWith(prefix)) continue;
      const competencyId = key.slice(prefix.length);
      if (!ctx.ix.competencies.has(competencyId)) continue;
      const best = new Map<string, { value: number; activityId: string | null }>();
      for (const e of items) {
        if (e.observedAt > ctx.at || (ctx.from !== null && e.observedAt < ctx.from)) continue;
        const activityId = ruleActivity(rules.get(e.ruleId)) ?? ctx.snapshot.activityOf.get(e.statementId) ?? null;
        const prev = best.get(e.statementId);
        if (prev === undefined || e.value > prev.value) best.set(e.statementId, { value: e.value, activityId });
      }
      for (const { value, activityId } of best.values()) {
        add(rows, `${activityId ?? ''}\u0000${competencyId}`, activityId, competencyId, l.learnerId, value);
        add(perCompetency, competencyId, null, competencyId, l.learnerId, value);
      }
    }
  }
  const order = new Map(ctx.ix.framework.competencies.map((c, i) => [c.id, i] as const));
  const list = [...rows.values()]
    .sort((a, b) => ((a.activityId ?? '\uffff') < (b.activityId ?? '\uffff') ? -1 : (a.activityId ?? '\uffff') > (b.activityId ?? '\uffff') ? 1 : 0) || (order.get(a.competencyId) ?? 0) - (order.get(b.competencyId) ?? 0))
    .map((a) => ({ activityId: a.activityId, competencyId: a.competencyId, choices: a.choices, correct: a.correct, accuracy: ratio(a.correct, a.choices), learners: a.learners.size, meanValue: ratio(a.valueSum, a.choices) }));
  const byCompetency = [...perCompetency.values()]
    .sort((a, b) => (order.get(a.competencyId) ?? 0) - (order.get(b.competencyId) ?? 0))
    .map((a) => ({ competencyId: a.competencyId, choices: a.choices, correct: a.correct, accuracy: ratio(a.correct, a.choices), learners: a.learners.size, meanValue: ratio(a.valueSum, a.choices) }));
  const table: Table = {
    columns: ['activityId', 'competencyId', 'choices', 'correct', 'accuracy', 'learners', 'meanValue'],
    rows: [...list, ...byCompetency.map((c) => ({ ...c, activityId: null }))].map((r) => [r.activityId, r.competencyId, r.choices, r.correct, r.accuracy, r.learners, r.meanValue]),
  };
  return { json: { threshold: opts.threshold, rows: list, byCompetency }, table };
}

/** Activity ids the framework's rules align with competencies (what a "path" is), with those competencies. */
export function alignedActivities(ctx: AggregateContext): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const rule of ctx.rules) {
    const competencies = rule.produce.map((p) => p.competencyId).filter((id) => ctx.ix.competencies.has(id));
    if (competencies.length === 0) continue;
    const ctxIds = rule.match.contextActivityIds ?? {};
    const ids = [...(rule.match.activityIds ?? []), ...(ctxIds.parent ?? []), ...(ctxIds.grouping ?? []), ...(ctxIds.category ?? []), ...(ctxIds.other ?? [])];
    for (const id of ids) {
      let set = out.get(id);
      if (set === undefined) out.set(id, (set = new Set()));
      for (const c of competencies) set.add(c);
    }
  }
  return out;
}

/** Completion of competency-aligned activities by the learners in scope, within [`from`, `to`] (stored). */
export function pathCompletion(ctx: AggregateContext, opts: { verbs: readonly string[] }) {
  const aligned = alignedActivities(ctx);
  const inScope = new Map(ctx.learners.map((l) => [l.learnerId, l] as const));
  const completedBy = new Map<string, Set<string>>();
  for (const c of ctx.snapshot.completions.values()) {
    if (!aligned.has(c.activity) || !opts.verbs.includes(c.verb) || c.stored > ctx.at || (ctx.from !== null && c.stored < ctx.from)) continue;
    const learnerId = ctx.snapshot.learnerOfActor(c.actor);
    if (!inScope.has(learnerId)) continue;
    let set = completedBy.get(c.activity);
    if (set === undefined) completedBy.set(c.activity, (set = new Set()));
    set.add(learnerId);
  }
  const anyRequires = (competencies: Set<string>) => ctx.learners.filter((l) => {
    const req = l.role === null ? undefined : ctx.ix.requirementOf.get(l.role);
    return req !== undefined && [...competencies].some((c) => req.has(c));
  });
  const paths = [...aligned.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([activityId, competencies]) => {
    const targetedList = anyRequires(competencies);
    const targeted = targetedList.length > 0 ? targetedList : ctx.learners;
    const done = completedBy.get(activityId) ?? new Set<string>();
    const completed = targeted.filter((l) => done.has(l.learnerId)).length;
    return { activityId, competencyIds: [...competencies], targeted: targeted.length, completed, completionRate: ratio(completed, targeted.length), completedAll: done.size };
  });
  return {
    json: { verbs: [...opts.verbs], paths },
    table: {
      columns: ['activityId', 'competencyIds', 'targeted', 'completed', 'completionRate', 'completedAll'],
      rows: paths.map((p) => [p.activityId, p.competencyIds.join(' '), p.targeted, p.completed, p.completionRate, p.completedAll]),
    } satisfies Table,
  };
}
