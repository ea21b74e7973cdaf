/**
 * Checks on frameworks and mapping rules that a JSON Schema cannot express: references to
 * unknown ids, duplicate ids, prerequisite and parent cycles, thresholds out of order, roll-up
 * rules that cannot be satisfied. Input is assumed structurally valid (schema checked first).
 */
import type { ValidationProblem } from '../xapi/validation-problem';
import { formatPath, type PathSegment } from './problem-path';
import type { Competency, Framework, MappingRule } from './types';

type Report = (path: readonly PathSegment[], message: string) => void;

function collector(): { problems: ValidationProblem[]; report: Report } {
  const problems: ValidationProblem[] = [];
  return { problems, report: (path, message) => problems.push({ path: formatPath(path), message }) };
}

/** Report each id that repeats an earlier one in the list. */
function checkUnique<T>(items: readonly T[], id: (t: T) => string, at: (i: number) => PathSegment[], report: Report): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const seen = first.get(id(item));
    if (seen === undefined) first.set(id(item), i);
    else report(at(i), `duplicates the id "${id(item)}" of item ${seen}`);
  });
}

export function checkFramework(framework: Framework): ValidationProblem[] {
  const { problems, report } = collector();
  const comps = framework.competencies;
  const byId = new Map<string, Competency>();
  for (const c of comps) if (!byId.has(c.id)) byId.set(c.id, c);
  checkUnique(comps, (c) => c.id, (i) => ['competencies', i, 'id'], report);
  checkUnique(framework.roles, (r) => r.id, (i) => ['roles', i, 'id'], report);

  comps.forEach((c, i) => checkCompetency({ c, at: ['competencies', i], byId, comps, report }));
  checkParentCycles(comps, report);
  checkPrerequisiteCycles(comps, byId, report);

  framework.roles.forEach((role, r) => {
    checkUnique(role.requirements, (q) => q.competencyId, (k) => ['roles', r, 'requirements', k, 'competencyId'], report);
    role.requirements.forEach((req, k) => {
      const at = ['roles', r, 'requirements', k];
      const target = byId.get(req.competencyId);
      if (target === undefined) report([...at, 'competencyId'], `names no competency of this framework ("${req.competencyId}")`);
      else if (!target.scale.levels.some((l) => l.id === req.targetLevel)) {
        report([...at, 'targetLevel'], `is not a level of competency "${target.id}" (${target.scale.levels.map((l) => l.id).join(', ')})`);
      }
    });
  });
  return problems;
}

function checkCompetency(args: {
  c: Competency;
  at: PathSegment[];
  byId: ReadonlyMap<string, Competency>;
  comps: readonly Competency[];
  report: Report;
}): void {
  const { c, at, byId, comps, report } = args;
  const levels = c.scale.levels;
  checkUnique(levels, (l) => l.id, (k) => [...at, 'scale', 'levels', k, 'id'], report);
  checkUnique(c.indicators ?? [], (x) => x.id, (k) => [...at, 'indicators', k, 'id'], report);
  levels.forEach((level, k) => {
    const previous = levels[k - 1];
    if (previous !== undefined && level.threshold <= previous.threshold) {
      report([...at, 'scale', 'levels', k, 'threshold'], `must be greater than the previous level's threshold (${previous.threshold}); levels are listed in ascending order`);
    }
  });
  if (c.parentId !== undefined) {
    if (c.parentId === c.id) report([...at, 'parentId'], 'must not be the competency itself');
    else if (!byId.has(c.parentId)) report([...at, 'parentId'], `names no competency of this framework ("${c.parentId}")`);
  }
  const prereqs = c.prerequisites ?? [];
  prereqs.forEach((p, k) => {
    if (p === c.id) report([...at, 'prerequisites', k], 'must not be the competency itself');
    else if (!byId.has(p)) report([...at, 'prerequisites', k], `names no competency of this framework ("${p}")`);
    else if (prereqs.indexOf(p) !== k) report([...at, 'prerequisites', k], `repeats "${p}"`);
  });
  const lead = c.reassessmentLeadDays;
  if (lead !== undefined && lead > 0) {
    if (c.reassessmentIntervalDays === undefined) report([...at, 'reassessmentLeadDays'], 'has no effect without reassessmentIntervalDays');
    else if (lead >= c.reassessmentIntervalDays) report([...at, 'reassessmentLeadDays'], 'must be shorter than reassessmentIntervalDays');
  }
  const rule = c.validationRule;
  if (rule?.requiredSourceKinds !== undefined && rule.minDistinctSourceKinds !== undefined && rule.minDistinctSourceKinds < rule.requiredSourceKinds.length) {
    report([...at, 'validationRule', 'minDistinctSourceKinds'], `is below the number of required source kinds (${rule.requiredSourceKinds.length}); raise it or drop it`);
  }
  checkRollup({ c, at, comps, report });
}

function checkRollup(args: { c: Competency; at: PathSegment[]; comps: readonly Competency[]; report: Report }): void {
  const { c, at, comps, report } = args;
  const rollup = c.rollup;
  if (rollup === undefined) return;
  const children = comps.filter((x) => x.parentId === c.id && x.id !== c.id).map((x) => x.id);
  if (children.length === 0) {
    report([...at, 'rollup'], 'is set but no competency has this one as its parent');
    return;
  }
  if (rollup.mode !== 'weighted') return;
  for (const key of Object.keys(rollup.weights)) {
    if (!children.includes(key)) report([...at, 'rollup', 'weights', key], 'is not a child of this competency');
  }
  (rollup.requiredChildren ?? []).forEach((id, k) => {
    if (!children.includes(id)) report([...at, 'rollup', 'requiredChildren', k], `"${id}" is not a child of this competency`);
  });
  const total = children.reduce((sum, id) => sum + (rollup.weights[id] ?? 1), 0);
  if (rollup.minPoints > total) {
    report([...at, 'rollup', 'minPoints'], `can never be reached: the children's weights add up to ${total}`);
  }
}

function checkParentCycles(comps: readonly Competency[], report: Report): void {
  const index = new Map(comps.map((c, i) => [c.id, i] as const));
  const parent = new Map(comps.map((c) => [c.id, c.parentId] as const));
  const reported = new Set<string>();
  comps.forEach((c) => {
    const chain: string[] = [];
    let id: string | undefined = c.id;
    while (id !== undefined && !chain.includes(id)) {
      chain.push(id);
      id = parent.get(id);
    }
    if (id === undefined || id === parent.get(id)) return; // no cycle, or a self-parent reported already
    const cycle = chain.slice(chain.indexOf(id));
    const key = [...cycle].sort().join('\u0000');
    if (reported.has(key)) return;
    reported.add(key);
    report(['competencies', index.get(id) ?? 0, 'parentId'], `parents form a cycle: ${[...cycle, id].join(' → ')}`);
  });
}

function checkPrerequisiteCycles(comps: readonly Competency[], byId: ReadonlyMap<string, Competency>, report: Report): void {
  const index = new Map(comps.map((c, i) => [c.id, i] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of byId.get(id)?.prerequisites ?? []) {
      if (next === id || !byId.has(next)) continue; // reported per competency
      const s = state.get(next);
      if (s === 'visiting') {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join('\u0000');
        if (!reported.has(key)) {
          reported.add(key);
          const at = index.get(next) ?? 0;
          const k = (comps[at]?.prerequisites ?? []).indexOf(cycle[1] ?? next);
          report(['competencies', at, 'prerequisites', Math.max(0, k)], `prerequisites form a cycle: ${[...cycle, next].join(' → ')}`);
        }
      } else if (s === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const c of comps) if (!state.has(c.id)) visit(c.id);
}

/** Checks on mapping rules against the framework they belong to. */
export function checkMappingRules(rules: readonly MappingRule[], framework: Framework): ValidationProblem[] {
  const { problems, report } = collector();
  const byId = new Map(framework.competencies.map((c) => [c.id, c] as const));
  checkUnique(rules, (r) => r.id, (i) => [i, 'id'], report);
  rules.forEach((rule, i) => {
    const seen = new Map<string, number>();
    rule.produce.forEach((out, j) => {
      const at = [i, 'produce', j];
      const c = byId.get(out.competencyId);
      if (c === undefined) {
        report([...at, 'competencyId'], `names no competency of framework "${framework.id}" version ${framework.version}`);
        return;
      }
      if (c.rollup !== undefined) {
        report([...at, 'competencyId'], `"${c.id}" takes its state from its children (rollup); evidence for it would not count`);
      }
      if (out.indicatorId !== undefined && !(c.indicators ?? []).some((x) => x.id === out.indicatorId)) {
        report([...at, 'indicatorId'], `is not an indicator of competency "${c.id}"`);
      }
      const key = `${out.competencyId}\u0000${out.indicatorId ?? ''}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) report(at, `produces evidence for the same competency and indicator as produce[${earlier}]`);
      else seen.set(key, j);
    });
    const from = rule.assessorFrom ?? ['instructor', 'context-agent'];
    if (rule.assessorRelevantTypes !== undefined && !from.includes('context-agent')) {
      report([i, 'assessorRelevantTypes'], 'has no effect unless assessorFrom includes "context-agent"');
    }
  });
  return problems;
}
