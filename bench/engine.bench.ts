/**
 * Throughput of the pure competency engine on one core (no I/O).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/engine.bench.js [--items N]
 *
 * Measures, each after a warm-up:
 *   - incremental updates: `applyEvidence` of one live item onto a stored state (the worker's
 *     hot path; O(1) per item). Target from issue 4: ≥ 50,000 per second.
 *   - mapping: `evidenceFromStatement` over a realistic rule set.
 *   - pipeline: statement → evidence → `applyEvidence`.
 *   - full recompute: `computeState` from a learner's whole history (voiding, late statements).
 * Prints a table and one JSON line (for scripts). Single-threaded; numbers vary with the CPU.
 */
import {
  type Competency,
  applyEvidence,
  computeState,
  evidenceFromStatement,
  type CompetencyState,
  type EvidenceItem,
  type StatementLike,
} from '../src/engine';
import { mulberry32 } from '../src/engine/testing/prng';
import { SIMULATION_FRAMEWORK, SIMULATION_RULES } from '../src/engine/testing/cohort-simulation';
import { median } from './lib/stats';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N = flag('--items', 200_000);
// Shared machines are noisy: each measurement runs several times and the median is reported.
const REPEAT = flag('--repeat', 3);
const LEARNERS = 1_000;
const T0 = Date.UTC(2024, 0, 1);
const competency: Competency = (() => {
  const c = SIMULATION_FRAMEWORK.competencies[0];
  if (c === undefined) throw new Error('the simulation framework has no competency');
  return c;
})();
const KINDS = ['knowledge-check', 'scenario', 'observation'] as const;

function makeItems(n: number, seed: number): EvidenceItem[] {
  const rng = mulberry32(seed);
  const out: EvidenceItem[] = [];
  for (let i = 0; i < n; i++) {
    // Live order: time advances by a few seconds per item across the cohort.
    const t = T0 + i * 5_000;
    out.push({
      statementId: `s-${seed}-${i}`,
      learnerId: `learner-${i % LEARNERS}`,
      competencyId: competency.id,
      sourceKind: rng.pick(KINDS),
      value: rng.next(),
      weight: 1,
      observedAt: t,
      storedAt: t,
      ruleId: 'r',
      frameworkVersion: '1',
    });
  }
  return out;
}

function makeStatements(n: number): StatementLike[] {
  const rng = mulberry32(7);
  const out: StatementLike[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(T0 + i * 5_000).toISOString();
    const base = { id: `st-${i}`, actor: { account: { homePage: 'https://hr.example.com', name: `learner-${i % LEARNERS}` } }, timestamp: t, stored: t };
    const kind = i % 3;
    if (kind === 0) {
      out.push({ ...base, verb: { id: 'http://adlnet.gov/expapi/verbs/passed' }, object: { id: 'https://example.com/quizzes/1' }, result: { score: { scaled: rng.next() } }, context: { contextActivities: { category: [{ id: 'https://w3id.org/xapi/cmi5/context/categories/cmi5' }] } } });
    } else if (kind === 1) {
      out.push({ ...base, verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, object: { id: 'https://example.com/scenarios/complaints/d1', definition: { interactionType: 'choice' } }, result: { response: rng.pick(['acknowledge', 'deflect', 'argue']) }, context: { contextActivities: { parent: [{ id: 'https://example.com/scenarios/complaints' }] } } });
    } else {
      out.push({ ...base, verb: { id: 'https://example.com/verbs/observed' }, object: { id: 'https://example.com/workplace/call' }, result: { score: { scaled: rng.next() } }, context: { instructor: { mbox: 'mailto:manager@example.com' } } });
    }
  }
  return out;
}

function emptyStates(): Map<string, CompetencyState> {
  const states = new Map<string, CompetencyState>();
  for (let l = 0; l < LEARNERS; l++) {
    const learnerId = `learner-${l}`;
    states.set(learnerId, computeState({ competency, learnerId, evidence: [], now: T0 - 1 }));
  }
  return states;
}

interface Measurement {
  label: string;
  /** Median over the runs. */
  perSecond: number;
  best: number;
  runs: number[];
}

function timed(label: string, count: number, run: () => void): Measurement {
  const runs: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    const start = process.hrtime.bigint();
    run();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    runs.push(Math.round((count / ms) * 1000));
  }
  return { label, perSecond: median(runs) ?? 0, best: runs.length > 0 ? Math.max(...runs) : 0, runs };
}

function incremental(items: readonly EvidenceItem[]): void {
  const states = emptyStates();
  for (const item of items) {
    const state = states.get(item.learnerId) as CompetencyState;
    states.set(item.learnerId, applyEvidence({ competency, state, items: [item], now: item.storedAt }).state);
  }
}

function pipeline(statements: readonly StatementLike[]): void {
  const states = emptyStates();
  for (const statement of statements) {
    const learnerId = statement.actor?.account?.name ?? '';
    const { evidence } = evidenceFromStatement({ framework: SIMULATION_FRAMEWORK, rules: SIMULATION_RULES, statement, learnerId, now: T0 });
    const state = states.get(learnerId) as CompetencyState;
    states.set(learnerId, applyEvidence({ competency, state, items: evidence, now: Date.parse(statement.stored ?? '') }).state);
  }
}

function mapping(statements: readonly StatementLike[]): void {
  for (const statement of statements) {
    evidenceFromStatement({ framework: SIMULATION_FRAMEWORK, rules: SIMULATION_RULES, statement, learnerId: 'x', now: T0 });
  }
}

function recompute(items: readonly EvidenceItem[]): void {
  const byLearner = new Map<string, EvidenceItem[]>();
  for (const item of items) {
    const list = byLearner.get(item.learnerId) ?? [];
    list.push(item);
    byLearner.set(item.learnerId, list);
  }
  const now = (items[items.length - 1]?.observedAt ?? T0) + 1;
  for (const [learnerId, evidence] of byLearner) computeState({ competency, learnerId, evidence, now });
}

const items = makeItems(N, 1);
const statements = makeStatements(N);
// Warm-up so the JIT has compiled the hot paths before timing.
incremental(makeItems(20_000, 2));
pipeline(makeStatements(20_000));
recompute(makeItems(20_000, 3));

const results = [
  timed('applyEvidence (incremental, live)', N, () => incremental(items)),
  timed('evidenceFromStatement', N, () => mapping(statements)),
  timed('statement → evidence → applyEvidence', N, () => pipeline(statements)),
  timed(`computeState from scratch (${N / LEARNERS} items/learner)`, N, () => recompute(items)),
];

console.log(`competency engine, one core, ${N} items over ${LEARNERS} learners, median of ${REPEAT} runs (node ${process.version})`);
for (const r of results) {
  console.log(`  ${r.label.padEnd(48)} ${String(r.perSecond).padStart(10)} /s  (best ${r.best})`);
}
const incrementalRate = results[0]?.perSecond ?? 0;
console.log(`  target ≥ 50,000 evidence updates/s: ${incrementalRate >= 50_000 ? 'met' : 'NOT met'}`);
console.log(JSON.stringify({ bench: 'engine', items: N, results }));
