/**
 * A known cohort for the analytics tests: 30 learners with fixed attributes and a fixed pattern of
 * quiz, scenario and course statements, plus an oracle that computes what every aggregate should
 * say from the test's own evidence list with the engine's pure functions (not the analytics code).
 */
import { randomUUID } from 'node:crypto';
import { computeState, rollupCompetency, type CompetencyState, type EvidenceItem, type Framework, type MappingRule } from '../../src/engine';
import { agent, DAY } from './competency-fixtures';

export const SCORED = 'http://adlnet.gov/expapi/verbs/scored';
export const ANSWERED = 'http://adlnet.gov/expapi/verbs/answered';
export const SATISFIED = 'https://w3id.org/xapi/adl/verbs/satisfied';
export const QUIZ = (c: string) => `https://example.com/quizzes/${c}`;
export const SCENARIO = 'https://example.com/scenarios/angry-caller';
export const COURSE = 'https://example.com/courses/listening';

const levels = { levels: [{ id: 'basic', threshold: 0.4 }, { id: 'proficient', threshold: 0.7 }, { id: 'expert', threshold: 0.9 }] };
const rule = { minEvidence: 2, minCertainty: 0.6 };

export function cohortFramework(id: string): Framework {
  return {
    id,
    version: '1',
    title: 'Contact centre',
    roles: [
      { id: 'agent', title: 'Agent', requirements: [{ competencyId: 'listening', targetLevel: 'proficient' }, { competencyId: 'complaints', targetLevel: 'basic' }] },
      { id: 'lead', title: 'Team lead', requirements: [{ competencyId: 'listening', targetLevel: 'proficient' }, { competencyId: 'service', targetLevel: 'basic' }, { competencyId: 'safety', targetLevel: 'basic' }] },
    ],
    competencies: [
      { id: 'service', title: 'Customer service', scale: levels, rollup: { mode: 'all-children' } },
      { id: 'listening', title: 'Active listening', parentId: 'service', scale: levels, validationRule: rule, reassessmentIntervalDays: 30, reassessmentLeadDays: 10 },
      { id: 'complaints', title: 'Handles complaints', parentId: 'service', scale: levels, validationRule: rule },
      { id: 'safety', title: 'Safety', scale: levels, validationRule: rule },
    ],
  };
}

export const LISTENING_TABLE: Record<string, number> = { good: 1, ok: 0.6, bad: 0 };
export const COMPLAINTS_TABLE: Record<string, number> = { good: 1, ok: 0.4, bad: 0 };

export function cohortRules(): MappingRule[] {
  const quiz = (c: string): MappingRule => ({ id: `quiz-${c}`, match: { verbIds: [SCORED], activityIds: [QUIZ(c)] }, produce: [{ competencyId: c, sourceKind: 'knowledge-check', value: { from: 'score.scaled' } }] });
  return [
    quiz('listening'), quiz('complaints'), quiz('safety'),
    {
      id: 'angry-caller',
      match: { verbIds: [ANSWERED], activityIds: [SCENARIO] },
      produce: [
        { competencyId: 'listening', sourceKind: 'scenario', value: { from: 'choice-table', table: LISTENING_TABLE } },
        { competencyId: 'complaints', sourceKind: 'scenario', value: { from: 'choice-table', table: COMPLAINTS_TABLE } },
      ],
    },
    // Lessons of the listening course count as knowledge checks; the course is a path aligned with listening.
    { id: 'listening-course', match: { verbIds: ['http://adlnet.gov/expapi/verbs/completed'], contextActivityIds: { grouping: [COURSE] } }, produce: [{ competencyId: 'listening', sourceKind: 'knowledge-check', value: { from: 'success' } }] },
  ];
}

export interface CohortLearner {
  learnerId: string;
  role?: string;
  team: string;
  cohort?: string;
  manager: string;
  roleAssignedAt?: number;
}

/** A statement the test posted, with the evidence the rules make of it. */
export interface Posted { id: string; learnerId: string; statement: Record<string, unknown>; evidence: EvidenceItem[]; satisfied?: boolean }

export function cohortLearners(prefix: string, now: number): CohortLearner[] {
  const t0 = now - 100 * DAY;
  return Array.from({ length: 30 }, (_, i) => ({
    learnerId: `${prefix}-${String(i).padStart(2, '0')}`,
    role: i >= 27 ? undefined : i % 3 === 0 ? 'lead' : 'agent',
    team: i % 2 === 0 ? 'north' : 'south',
    cohort: i < 10 ? '2026-01' : i < 20 ? '2026-02' : undefined,
    manager: i % 2 === 0 ? 'maria' : 'sam',
    // Every seventh learner has no role assignment: time-to-competency starts at the first evidence.
    roleAssignedAt: i % 7 === 0 ? undefined : t0 + i * (DAY / 2),
  }));
}

const mbox = (learnerId: string) => `mailto:${learnerId}@example.com`;

function quizStatement(l: CohortLearner, c: string, scaled: number, at: number): Posted {
  const id = randomUUID();
  const statement = { id, actor: { ...agent(l.learnerId), mbox: mbox(l.learnerId) }, verb: { id: SCORED }, object: { objectType: 'Activity', id: QUIZ(c) }, result: { score: { scaled } }, timestamp: new Date(at).toISOString() };
  const evidence = [item({ id, learnerId: l.learnerId, competencyId: c, sourceKind: 'knowledge-check', value: scaled, at, ruleId: `quiz-${c}` })];
  return { id, learnerId: l.learnerId, statement, evidence };
}

function scenarioStatement(l: CohortLearner, choice: string, at: number): Posted {
  const id = randomUUID();
  const statement = {
    id, actor: { ...agent(l.learnerId), mbox: mbox(l.learnerId) }, verb: { id: ANSWERED },
    object: { objectType: 'Activity', id: SCENARIO, definition: { type: 'http://adlnet.gov/expapi/activities/cmi.interaction', interactionType: 'choice', choices: ['good', 'ok', 'bad'].map((c) => ({ id: c, description: { 'en-US': c } })) } },
    result: { response: choice }, timestamp: new Date(at).toISOString(),
  };
  const evidence = [
    item({ id, learnerId: l.learnerId, competencyId: 'listening', sourceKind: 'scenario', value: LISTENING_TABLE[choice] as number, at, ruleId: 'angry-caller' }),
    item({ id, learnerId: l.learnerId, competencyId: 'complaints', sourceKind: 'scenario', value: COMPLAINTS_TABLE[choice] as number, at, ruleId: 'angry-caller' }),
  ];
  return { id, learnerId: l.learnerId, statement, evidence };
}

function satisfiedStatement(l: CohortLearner, at: number): Posted {
  const id = randomUUID();
  const statement = { id, actor: { ...agent(l.learnerId), mbox: mbox(l.learnerId) }, verb: { id: SATISFIED }, object: { objectType: 'Activity', id: COURSE }, timestamp: new Date(at).toISOString() };
  return { id, learnerId: l.learnerId, statement, evidence: [], satisfied: true };
}

function item(x: { id: string; learnerId: string; competencyId: string; sourceKind: EvidenceItem['sourceKind']; value: number; at: number; ruleId: string }): EvidenceItem {
  return { statementId: x.id, learnerId: x.learnerId, competencyId: x.competencyId, sourceKind: x.sourceKind, value: x.value, weight: 1, observedAt: x.at, storedAt: x.at, ruleId: x.ruleId, frameworkVersion: '1' };
}

/**
 * Statements by pattern `i % 5`: 0 strong everywhere, 1 middling, 2 weak, 3 nothing at all (censored
 * without evidence), 4 listening validated long ago (expired by now) and complaints recently.
 */
export function cohortStatements(learners: CohortLearner[], now: number): Posted[] {
  const out: Posted[] = [];
  learners.forEach((l, i) => {
    const p = i % 5;
    const t = now - (15 + (i % 10)) * DAY; // recent: listening validations still in force, some due soon
    if (p === 0) {
      out.push(quizStatement(l, 'listening', 1, t), quizStatement(l, 'listening', 1, t + 3_600_000));
      out.push(quizStatement(l, 'complaints', 1, t), quizStatement(l, 'complaints', 0.9, t + 7_200_000));
      out.push(quizStatement(l, 'safety', 1, t - 5 * DAY), quizStatement(l, 'safety', 1, t - 4 * DAY));
      out.push(scenarioStatement(l, 'good', t + 60_000), satisfiedStatement(l, t + 10 * 60_000));
    } else if (p === 1) {
      out.push(quizStatement(l, 'listening', 0.8, t), quizStatement(l, 'listening', 0.75, t + 3_600_000));
      out.push(quizStatement(l, 'complaints', 0.6, t), quizStatement(l, 'complaints', 0.5, t + 3_600_000));
      out.push(scenarioStatement(l, 'ok', t + 60_000));
      if (i % 2 === 1) out.push(satisfiedStatement(l, t + 10 * 60_000));
    } else if (p === 2) {
      out.push(quizStatement(l, 'listening', 0.2, t), quizStatement(l, 'listening', 0.3, t + 3_600_000));
      out.push(scenarioStatement(l, 'bad', t + 60_000));
    } else if (p === 4) {
      const old = now - 50 * DAY; // valid 30 days: expired 20 days ago
      out.push(quizStatement(l, 'listening', 1, old), quizStatement(l, 'listening', 1, old + 3_600_000));
      out.push(quizStatement(l, 'complaints', 1, t), quizStatement(l, 'complaints', 1, t + 3_600_000));
    }
  });
  return out;
}

/** Expected states computed by the engine from the test's own evidence (minus voided statements). */
export class Oracle {
  constructor(readonly framework: Framework, readonly learners: CohortLearner[], readonly posted: Posted[], readonly voided: Set<string>) {}

  evidence(learnerId: string, competencyId?: string): EvidenceItem[] {
    return this.posted.filter((p) => p.learnerId === learnerId && !this.voided.has(p.id)).flatMap((p) => p.evidence).filter((e) => competencyId === undefined || e.competencyId === competencyId);
  }

  state(learnerId: string, competencyId: string, at: number): CompetencyState | null {
    const competency = this.framework.competencies.find((c) => c.id === competencyId)!;
    const evidence = this.evidence(learnerId, competencyId).filter((e) => e.observedAt <= at);
    return evidence.length === 0 ? null : computeState({ competency, learnerId, evidence, now: at });
  }

  /** A leaf's state or a parent's roll-up at `at`, as the engine computes it: score and level held. */
  standing(learnerId: string, competencyId: string, at: number): { score: number | null; held: string | null } {
    const c = this.framework.competencies.find((x) => x.id === competencyId)!;
    if (c.rollup === undefined) {
      const s = this.state(learnerId, competencyId, at);
      return { score: s?.score ?? null, held: s?.validated ? s.validatedLevel : null };
    }
    const states = new Map<string, CompetencyState>();
    for (const leaf of this.framework.competencies.filter((x) => x.rollup === undefined)) {
      const s = this.state(learnerId, leaf.id, at);
      if (s !== null) states.set(leaf.id, s);
    }
    const standing = rollupCompetency({ framework: this.framework, states, competencyId, now: at });
    return { score: standing.score, held: standing.validated ? standing.validatedLevel : null };
  }

  /** Level held (validated, unexpired) at `at`. */
  held(learnerId: string, competencyId: string, at: number): string | null {
    return this.standing(learnerId, competencyId, at).held;
  }

  levelIndex(competencyId: string, level: string | null): number {
    const levels = this.framework.competencies.find((c) => c.id === competencyId)!.scale.levels;
    return level === null ? -1 : levels.findIndex((l) => l.id === level);
  }

  requirements(learner: CohortLearner) {
    return this.framework.roles.find((r) => r.id === learner.role)?.requirements ?? [];
  }
}

/** Kaplan–Meier written out independently: product-limit, events before censorings at ties. */
export function km(durations: Array<{ d: number; censored: boolean }>): { median: number | null; p75: number | null; p90: number | null } {
  const times = [...new Set(durations.map((x) => x.d))].sort((a, b) => a - b);
  let s = 1;
  const steps: Array<{ t: number; s: number }> = [];
  for (const t of times) {
    const atRisk = durations.filter((x) => x.d >= t).length;
    const deaths = durations.filter((x) => x.d === t && !x.censored).length;
    if (deaths > 0) {
      s *= (atRisk - deaths) / atRisk;
      steps.push({ t, s });
    }
  }
  const q = (p: number) => steps.find((x) => x.s <= 1 - p + 1e-9)?.t ?? null;
  return { median: q(0.5), p75: q(0.75), p90: q(0.9) };
}
