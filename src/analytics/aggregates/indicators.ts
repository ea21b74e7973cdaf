import type { MappingRule } from '../../engine';
import { ratio, type AggregateContext, type Table } from './aggregate-context';

/** The single activity a rule matches on, when it names exactly one (then it is the scenario). */
export function ruleActivity(rule: MappingRule | undefined): string | null {
  const ids = rule?.match.activityIds;
  return ids !== undefined && ids.length === 1 ? (ids[0] as string) : null;
}

/** Per rule index of the view's scenario columns: the one activity the rule names, or null. */
function ruleActivities(ctx: AggregateContext): Array<string | null> {
  const byId = new Map(ctx.rules.map((r) => [r.id, ruleActivity(r)] as const));
  return ctx.view.scenario.rules.map((id) => byId.get(id) ?? null);
}

/** Rows of the learners in scope. */
function inScope(ctx: AggregateContext): Uint8Array {
  let max = 0;
  for (const l of ctx.learners) if (l.row > max) max = l.row;
  const rows = new Uint8Array(max + 1);
  for (const l of ctx.learners) rows[l.row] = 1;
  return rows;
}

/** Scenario statements whose activity must be looked up (their rule names several or none). */
export function unresolvedScenarioStatements(ctx: AggregateContext): string[] {
  const byRule = ruleActivities(ctx);
  if (byRule.every((a) => a !== null)) return [];
  const sc = ctx.view.scenario;
  const rows = inScope(ctx);
  const out = new Set<string>();
  for (let k = 0; k < sc.size; k++) {
    if (sc.alive[k] !== 1 || rows[sc.row[k] as number] !== 1 || byRule[sc.rule[k] as number] !== null) continue;
    const id = sc.statement[k] as string;
    if (!ctx.snapshot.activityOf.has(id)) out.add(id);
  }
  return [...out];
}

interface Acc { activityId: string | null; col: number; choices: number; correct: number; valueSum: number; learners: number; lastRow: number }

/**
 * Correct choices over choices per scenario activity × competency, from live scenario evidence
 * observed in [`from`, `to`]. A choice is one (statement, competency); correct when its value
 * (the highest, if several rules produced one) ≥ `threshold`.
 */
export function scenarioAccuracy(ctx: AggregateContext, opts: { threshold: number }) {
  const sc = ctx.view.scenario;
  const cols = ctx.view.cols;
  const byRule = ruleActivities(ctx);
  const rows = inScope(ctx);
  const from = ctx.from ?? -Infinity;
  // Only competencies several rules produce scenario evidence for can hold two items of one statement.
  const producers = new Map<string, number>();
  for (const r of ctx.rules) for (const p of new Set(r.produce.filter((x) => x.sourceKind === 'scenario').map((x) => x.competencyId))) producers.set(p, (producers.get(p) ?? 0) + 1);
  const mayRepeat = new Uint8Array(cols);
  for (const [id, n] of producers) if (n > 1 && ctx.view.columnOf.has(id)) mayRepeat[ctx.view.columnOf.get(id) as number] = 1;
  // Accumulators per (rule, column) when the rule names its activity, else per (activity, column).
  const byRuleCol = new Map<number, Acc>();
  const byActivity = new Map<string | null, Map<number, Acc>>();
  const perColumn: Array<Acc | undefined> = new Array(cols);
  const fresh = (activityId: string | null, col: number): Acc => ({ activityId, col, choices: 0, correct: 0, valueSum: 0, learners: 0, lastRow: -1 });
  // Items of one learner's cell are contiguous, so "a new learner" is "a row other than the last".
  const add = (a: Acc, row: number, value: number) => {
    a.choices++;
    if (value >= opts.threshold) a.correct++;
    a.valueSum += value;
    if (a.lastRow !== row) {
      a.learners++;
      a.lastRow = row;
    }
  };
  let seen: Map<string, number> | null = null;
  for (let k = 0; k < sc.size; k++) {
    if (sc.alive[k] !== 1) continue;
    const row = sc.row[k] as number;
    if (rows[row] !== 1) continue;
    const t = sc.at[k] as number;
    if (t > ctx.at || t < from) continue;
    const col = sc.col[k] as number;
    let value = sc.value[k] as number;
    if (mayRepeat[col] === 1) {
      // Count a statement once per cell, with its best value: look at the cell's other items.
      seen ??= new Map();
      const key = `${row}\u0000${col}\u0000${sc.statement[k] as string}`;
      if (seen.has(key)) continue;
      seen.set(key, k);
      for (let j = k + 1; j < sc.size && sc.row[j] === row && sc.col[j] === col; j++) {
        if (sc.alive[j] === 1 && sc.statement[j] === sc.statement[k] && (sc.value[j] as number) > value) value = sc.value[j] as number;
      }
    }
    const rule = sc.rule[k] as number;
    const named = byRule[rule] ?? null;
    let acc: Acc | undefined;
    if (named !== null) {
      const key = rule * cols + col;
      acc = byRuleCol.get(key);
      if (acc === undefined) byRuleCol.set(key, (acc = fresh(named, col)));
    } else {
      const activityId = ctx.snapshot.activityOf.get(sc.statement[k] as string) ?? null;
      let m = byActivity.get(activityId);
      if (m === undefined) byActivity.set(activityId, (m = new Map()));
      acc = m.get(col);
      if (acc === undefined) m.set(col, (acc = fresh(activityId, col)));
    }
    add(acc, row, value);
    add((perColumn[col] ??= fresh(null, col)), row, value);
  }
  // Several rules may name the same activity: merge their accumulators per (activity, column).
  const merged = new Map<string, Acc>();
  for (const a of [...byRuleCol.values(), ...[...byActivity.values()].flatMap((m) => [...m.values()])]) {
    const key = `${a.activityId ?? ''}\u0000${a.col}`;
    const m = merged.get(key);
    if (m === undefined) merged.set(key, { ...a });
    else {
      m.choices += a.choices;
      m.correct += a.correct;
      m.valueSum += a.valueSum;
      m.learners += a.learners;
    }
  }
  const competencies = ctx.ix.framework.competencies;
  const view = (a: Acc) => ({ competencyId: competencies[a.col]?.id as string, choices: a.choices, correct: a.correct, accuracy: ratio(a.correct, a.choices), learners: a.learners, meanValue: ratio(a.valueSum, a.choices) });
  const list = [...merged.values()]
    .sort((a, b) => ((a.activityId ?? '\uffff') < (b.activityId ?? '\uffff') ? -1 : (a.activityId ?? '\uffff') > (b.activityId ?? '\uffff') ? 1 : 0) || a.col - b.col)
    .map((a) => ({ activityId: a.activityId, ...view(a) }));
  const byCompetency = perColumn.filter((a): a is Acc => a !== undefined).map(view);
  const table: Table = {
    columns: ['activityId', 'competencyId', 'choices', 'correct', 'accuracy', 'learners', 'meanValue'],
    rows: [...list, ...byCompetency.map((c) => ({ ...c, activityId: null as string | null }))].map((r) => [r.activityId, r.competencyId, r.choices, r.correct, r.accuracy, r.learners, r.meanValue]),
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
  const peopleByRole = new Map<string, number>();
  for (const l of ctx.learners) if (l.role !== null) peopleByRole.set(l.role, (peopleByRole.get(l.role) ?? 0) + 1);
  const paths = [...aligned.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([activityId, competencies]) => {
    // Targeted: learners whose role requires one of the path's competencies (else everyone in scope).
    const roles = new Set([...peopleByRole.keys()].filter((r) => [...competencies].some((c) => ctx.ix.requirementOf.get(r)?.has(c))));
    let targetedCount = 0;
    for (const r of roles) targetedCount += peopleByRole.get(r) ?? 0;
    const everyone = targetedCount === 0;
    const done = completedBy.get(activityId) ?? new Set<string>();
    let completed = 0;
    for (const id of done) {
      const role = inScope.get(id)?.role ?? null;
      if (everyone || (role !== null && roles.has(role))) completed++;
    }
    const targeted = everyone ? ctx.learners.length : targetedCount;
    return { activityId, competencyIds: [...competencies], targeted, completed, completionRate: ratio(completed, targeted), completedAll: done.size };
  });
  return {
    json: { verbs: [...opts.verbs], paths },
    table: {
      columns: ['activityId', 'competencyIds', 'targeted', 'completed', 'completionRate', 'completedAll'],
      rows: paths.map((p) => [p.activityId, p.competencyIds.join(' '), p.targeted, p.completed, p.completionRate, p.completedAll]),
    } satisfies Table,
  };
}
