/**
 * Seeded generator of a competency store for the analytics benchmark: a framework of 200
 * competencies (10 roll-up parents over 190 leaves, 4 levels), 20 roles of 25 requirements each,
 * mapping rules (a quiz per competency, 100 two-competency scenarios, 40 courses), 10,000 learners
 * with role, team, manager, cohort and role assignment, and the evidence a million statements
 * would have produced.
 *
 * It writes what the scoring worker would write, through the same repositories where it matters
 * for shape (states and roll-ups computed by the engine and written by `putComputed`, live evidence
 * cells by `add`), and bulk-inserts the evidence log rows and learners in the shapes their
 * repositories use. Statements themselves are not stored, except the cmi5 `satisfied` statements
 * (path completion reads those): `represents.statements` says how many statements the evidence
 * stands for. `test/analytics-aggregates.test.ts` proves the same shapes come out of the real
 * pipeline.
 *
 * Usage: `node dist/bench/generate-cohort.js` with MONGODB_URI and BENCH_ANALYTICS_DB, or
 * `generateCohort(db, options)` from the benchmark.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { computeState, rollupCompetency, type Competency, type CompetencyState, type EvidenceItem, type Framework, type MappingRule, type SourceKind } from '../src/engine';
import { definitionsRepository } from '../src/competency/definitions.repository';
import { statesRepository } from '../src/competency/states.repository';
import { rollupsRepository } from '../src/competency/rollups.repository';
import { evidenceCellsRepository } from '../src/competency/evidence-cells.repository';
import { evidenceRepository } from '../src/competency/evidence.repository';
import { learnersRepository } from '../src/competency/learners.repository';
import { generationsRepository } from '../src/competency/generations.repository';
import { STATEMENT_INDEXES } from '../src/statements/query-plan';
import { mulberry32 } from '../src/engine/testing/prng';

const DAY = 86_400_000;
export const SATISFIED = 'https://w3id.org/xapi/adl/verbs/satisfied';

export interface CohortOptions {
  store?: string;
  /** @defaultValue 10_000 */
  learners?: number;
  /** Total competencies, parents included. @defaultValue 200 */
  competencies?: number;
  /** Evidence items (one per statement) to spread over the learners. @defaultValue 1_000_000 */
  statements?: number;
  /** @defaultValue 20 */
  roles?: number;
  /** Requirements per role. @defaultValue 25 */
  requirementsPerRole?: number;
  /** @defaultValue 42 */
  seed?: number;
  /** The clock the data is generated against. @defaultValue Date.now() */
  now?: number;
  /** Writers in parallel. @defaultValue 8 */
  concurrency?: number;
  /**
   * `scenario` writes only what analytics reads of the evidence: the scenario rows of the evidence
   * log, and live cells only for learners without a role assignment (their first evidence starts
   * time-to-competency). `all` writes every row and cell, as the worker would; the in-memory
   * stand-in then needs more than 10 GB of heap for a million statements.
   * @defaultValue 'scenario'
   */
  evidence?: 'scenario' | 'all';
  onProgress?: (line: string) => void;
}

export interface CohortSummary {
  store: string;
  framework: Framework;
  learners: number;
  roles: string[];
  teams: string[];
  cohorts: string[];
  states: number;
  rollups: number;
  evidence: number;
  scenarioEvidence: number;
  satisfied: number;
  represents: { statements: number };
  ms: number;
}

const LEVELS = { levels: [{ id: 'awareness', threshold: 0.3 }, { id: 'basic', threshold: 0.5 }, { id: 'proficient', threshold: 0.7 }, { id: 'expert', threshold: 0.9 }] };

export function benchFramework(n: number, roles: number, perRole: number, rand: () => number): Framework {
  const parents = Math.max(1, Math.round(n / 20));
  const competencies: Competency[] = [];
  for (let p = 0; p < parents; p++) competencies.push({ id: `area-${p}`, title: `Area ${p}`, scale: LEVELS, rollup: { mode: 'all-children' } });
  for (let i = 0; competencies.length < n; i++) {
    competencies.push({
      id: `c-${String(i).padStart(3, '0')}`,
      title: `Competency ${i}`,
      parentId: `area-${i % parents}`,
      scale: LEVELS,
      validationRule: { minEvidence: 3, minCertainty: 0.7 },
      halfLifeDays: 540,
      ...(i % 2 === 0 ? { reassessmentIntervalDays: 365, reassessmentLeadDays: 30 } : {}),
    });
  }
  const leaves = competencies.filter((c) => c.rollup === undefined);
  const roleList = Array.from({ length: roles }, (_, r) => {
    const picked = new Set<string>();
    // One area as a whole (a roll-up requirement), the rest leaves.
    picked.add(`area-${r % parents}`);
    while (picked.size < perRole) picked.add((leaves[Math.floor(rand() * leaves.length)] as Competency).id);
    return { id: `role-${r}`, title: `Role ${r}`, requirements: [...picked].map((competencyId, k) => ({ competencyId, targetLevel: k % 3 === 0 ? 'proficient' : 'basic' })) };
  });
  return { id: 'https://bench.example.com/frameworks/analytics', version: '1', title: 'Benchmark framework', roles: roleList, competencies };
}

export function benchRules(framework: Framework): MappingRule[] {
  const leaves = framework.competencies.filter((c) => c.rollup === undefined);
  const rules: MappingRule[] = leaves.map((c) => ({ id: `quiz-${c.id}`, match: { verbIds: ['http://adlnet.gov/expapi/verbs/scored'], activityIds: [`https://bench.example.com/quizzes/${c.id}`] }, produce: [{ competencyId: c.id, sourceKind: 'knowledge-check', value: { from: 'score.scaled' } }] }));
  for (let s = 0; s < 100; s++) {
    const a = leaves[(s * 2) % leaves.length] as Competency;
    const b = leaves[(s * 2 + 1) % leaves.length] as Competency;
    rules.push({
      id: `scenario-${s}`,
      match: { verbIds: ['http://adlnet.gov/expapi/verbs/answered'], activityIds: [`https://bench.example.com/scenarios/${s}`] },
      produce: [a, b].map((c) => ({ competencyId: c.id, sourceKind: 'scenario' as const, value: { from: 'choice-table' as const, table: { best: 1, good: 0.7, poor: 0.2 } } })),
    });
  }
  for (let k = 0; k < 40; k++) {
    const aligned = leaves.slice((k * 5) % leaves.length, (k * 5) % leaves.length + 5);
    rules.push({ id: `course-${k}`, match: { verbIds: ['http://adlnet.gov/expapi/verbs/completed'], contextActivityIds: { grouping: [`https://bench.example.com/courses/${k}`] } }, produce: aligned.map((c) => ({ competencyId: c.id, sourceKind: 'knowledge-check' as const, value: { from: 'success' as const } })) });
  }
  return rules;
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

/** Generates the store into `db` (which should be empty for that store). */
export async function generateCohort(db: Db, opts: CohortOptions = {}): Promise<CohortSummary> {
  const started = Date.now();
  const store = opts.store ?? 'default';
  const nLearners = opts.learners ?? 10_000;
  const nStatements = opts.statements ?? 1_000_000;
  const now = opts.now ?? Date.now();
  const rand = mulberry32(opts.seed ?? 42).next;
  const log = opts.onProgress ?? (() => undefined);
  const framework = benchFramework(opts.competencies ?? 200, opts.roles ?? 20, opts.requirementsPerRole ?? 25, rand);
  const rules = benchRules(framework);
  const byId = new Map(framework.competencies.map((c) => [c.id, c] as const));
  const leaves = framework.competencies.filter((c) => c.rollup === undefined);
  const scenarioOf = new Map<string, number>();
  rules.forEach((r) => { if (r.id.startsWith('scenario-')) for (const p of r.produce) if (!scenarioOf.has(p.competencyId)) scenarioOf.set(p.competencyId, Number(r.id.slice(9))); });

  const defs = definitionsRepository(db);
  const learnersRepo = learnersRepository(db);
  const states = statesRepository(db);
  const rollups = rollupsRepository(db);
  const cells = evidenceCellsRepository(db);
  const evidenceRepo = evidenceRepository(db);
  await Promise.all([defs.ensureIndexes(), learnersRepo.ensureIndexes(), states.ensureIndexes(), rollups.ensureIndexes(), cells.ensureIndexes(), evidenceRepo.ensureIndexes(), db.collection('statements').createIndexes(STATEMENT_INDEXES)]);
  await defs.saveFramework(store, framework, new Date(now));
  await defs.saveRules(store, framework.id, rules, new Date(now));
  const { active: generation } = await generationsRepository(db).get(store);

  const teams = Array.from({ length: 100 }, (_, t) => `team-${String(t).padStart(2, '0')}`);
  const cohorts = Array.from({ length: 12 }, (_, m) => `2025-${String(m + 1).padStart(2, '0')}`);
  const roleIds = framework.roles.map((r) => r.id);
  // Cells per learner: the role's leaf requirements (mostly) plus a few others, items spread over them.
  const perLearner = nStatements / nLearners;
  let evidenceTotal = 0;
  let scenarioTotal = 0;
  let stateTotal = 0;
  let rollupTotal = 0;
  let satisfiedTotal = 0;
  const learnerIds = Array.from({ length: nLearners }, (_, i) => `learner-${String(i).padStart(5, '0')}`);
  const plans = learnerIds.map((learnerId, i) => {
    const noRole = rand() < 0.03;
    const role = noRole ? undefined : roleIds[Math.floor(rand() * roleIds.length)];
    const team = teams[Math.floor(rand() * teams.length)] as string;
    const cohortIndex = Math.floor(rand() * cohorts.length);
    const assignedAt = now - (730 - cohortIndex * 55) * DAY + Math.floor(rand() * 20 * DAY);
    return {
      learnerId, i, role, team, cohort: cohorts[cohortIndex] as string, manager: `manager-${team.slice(5)}`,
      // 2 % without a recorded role assignment: time-to-competency starts at their first evidence.
      assignedAt: rand() < 0.02 ? undefined : assignedAt,
      ability: 0.25 + 0.7 * rand(),
      seed: Math.floor(rand() * 2 ** 31),
    };
  });

  log(`learners: writing ${nLearners}`);
  for (let k = 0; k < plans.length; k += 1000) {
    await db.collection('learners').insertMany(plans.slice(k, k + 1000).map((p) => ({
      store, learnerId: p.learnerId, identities: [`mbox:mailto:${p.learnerId}@bench.example.com`], implicit: false, createdAt: new Date(now), updatedAt: new Date(now),
      attributes: { name: `Learner ${p.i}`, team: p.team, manager: p.manager, cohort: p.cohort, ...(p.role ? { role: p.role } : {}), ...(p.assignedAt ? { roleAssignedAt: new Date(p.assignedAt).toISOString() } : {}) },
    })));
  }

  let done = 0;
  await pool(plans, opts.concurrency ?? 8, async (p) => {
    const r = mulberry32(p.seed).next;
    const required = p.role ? (framework.roles.find((x) => x.id === p.role)?.requirements ?? []).map((q) => q.competencyId).filter((id) => byId.get(id)?.rollup === undefined) : [];
    const chosen = new Set(required.filter(() => r() < 0.9));
    const extra = Math.max(2, Math.round(perLearner / 3) - chosen.size);
    for (let k = 0; k < extra; k++) chosen.add((leaves[Math.floor(r() * leaves.length)] as Competency).id);
    const list = [...chosen];
    // Items per cell so the learner's total is about `perLearner`.
    const items: Array<EvidenceItem & { frameworkId: string }> = [];
    const start = p.assignedAt ?? now - 400 * DAY;
    const budget = Math.max(list.length, Math.round(perLearner * (0.6 + 0.8 * r())));
    for (let k = 0; k < budget; k++) {
      const competencyId = list[k % list.length] as string;
      const scenario = scenarioOf.has(competencyId) && r() < 0.35;
      const observedAt = Math.min(now - 60_000, start + Math.floor(r() * Math.max(DAY, now - start)));
      const theta = Math.min(1, Math.max(0, p.ability + (r() - 0.5) * 0.3));
      const kind: SourceKind = scenario ? 'scenario' : 'knowledge-check';
      const value = scenario ? (r() < theta ? 1 : r() < 0.5 ? 0.7 : 0.2) : Math.round(Math.min(1, Math.max(0, theta + (r() - 0.5) * 0.4)) * 100) / 100;
      items.push({
        statementId: randomUUID(), learnerId: p.learnerId, competencyId, sourceKind: kind, value, weight: 1, observedAt, storedAt: observedAt,
        ruleId: scenario ? `scenario-${scenarioOf.get(competencyId)}` : `quiz-${competencyId}`, frameworkVersion: '1', frameworkId: framework.id,
      });
    }
    evidenceTotal += items.length;
    scenarioTotal += items.filter((e) => e.sourceKind === 'scenario').length;
    const all = opts.evidence === 'all';
    const logRows = all ? items : items.filter((e) => e.sourceKind === 'scenario');
    if (logRows.length > 0) await db.collection('evidence').insertMany(logRows.map((e) => ({ ...e, store, generation })), { ordered: false });
    if (all || p.assignedAt === undefined) await cells.add(store, generation, items);
    const byCell = new Map<string, EvidenceItem[]>();
    for (const e of items) byCell.set(e.competencyId, [...(byCell.get(e.competencyId) ?? []), e]);
    const leafStates = new Map<string, CompetencyState>();
    for (const [competencyId, ev] of byCell) leafStates.set(competencyId, computeState({ competency: byId.get(competencyId) as Competency, learnerId: p.learnerId, evidence: ev, now }));
    await states.putComputed(store, generation, [...leafStates.values()].map((state) => ({ frameworkId: framework.id, frameworkVersion: 1, state })), new Date(now));
    stateTotal += leafStates.size;
    const parents = framework.competencies.filter((c) => c.rollup !== undefined).map((c) => rollupCompetency({ framework, states: leafStates, competencyId: c.id, now })).filter((s) => s.score !== null);
    await rollups.putComputed(store, generation, parents.map((standing) => ({ learnerId: p.learnerId, frameworkId: framework.id, frameworkVersion: 1, standing })), new Date(now));
    rollupTotal += parents.length;
    // cmi5 satisfied on about one in two of the courses aligned with the learner's competencies.
    const satisfied = [];
    for (let k = 0; k < 40; k++) {
      if (r() < 0.04 * (1 + p.ability)) {
        const id = randomUUID();
        const stored = new Date(Math.min(now - 60_000, start + Math.floor(r() * Math.max(DAY, now - start))));
        const statement = { id, actor: { mbox: `mailto:${p.learnerId}@bench.example.com` }, verb: { id: SATISFIED }, object: { objectType: 'Activity', id: `https://bench.example.com/courses/${k}` }, timestamp: stored.toISOString(), stored: stored.toISOString() };
        satisfied.push({ store, id, stored, timestamp: stored, voided: false, line: '2.0', verbIds: [SATISFIED], authorityKey: 'bench', agents: [`mbox:mailto:${p.learnerId}@bench.example.com`], relatedAgents: [], activities: [statement.object.id], relatedActivities: [], registrations: [], json: JSON.stringify(statement), toScore: false });
      }
    }
    if (satisfied.length > 0) await db.collection('statements').insertMany(satisfied);
    satisfiedTotal += satisfied.length;
    if (++done % 1000 === 0) log(`learners: ${done}/${nLearners} (${evidenceTotal} evidence, ${stateTotal} states)`);
  });
  return {
    store, framework, learners: nLearners, roles: roleIds, teams, cohorts, states: stateTotal, rollups: rollupTotal, evidence: evidenceTotal, scenarioEvidence: scenarioTotal,
    satisfied: satisfiedTotal, represents: { statements: evidenceTotal + satisfiedTotal }, ms: Date.now() - started,
  };
}

if (require.main === module) {
  const uri = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017';
  const name = process.env.BENCH_ANALYTICS_DB ?? 'bench_analytics';
  void (async () => {
    const client = await MongoClient.connect(uri);
    try {
      const summary = await generateCohort(client.db(name), { learners: Number(process.env.BENCH_ANALYTICS_LEARNERS ?? 10_000), statements: Number(process.env.BENCH_ANALYTICS_STATEMENTS ?? 1_000_000), evidence: process.env.BENCH_ANALYTICS_EVIDENCE === 'all' ? 'all' : 'scenario', onProgress: (l) => process.stderr.write(`[generate-cohort] ${l}\n`) });
      const { framework, teams: _t, cohorts: _c, roles: _r, ...rest } = summary;
      // What analytics.bench.ts reads with BENCH_ANALYTICS_REUSE=1.
      await client.db(name).collection('bench_meta').replaceOne({ _id: 'summary' as never }, { summary: { ...summary, framework: undefined, frameworkId: framework.id } }, { upsert: true });
      process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
    } finally {
      await client.close();
    }
  })();
}
