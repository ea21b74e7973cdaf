/**
 * Benchmark of the analytics API (issue 5): p50/p95 latency of every aggregate on a store of
 * 10,000 learners, 200 competencies and the evidence of a million statements
 * (`bench/generate-cohort.ts`), through HTTP against the API running as a child process
 * (`dist/src/server.js`), as in production. Target: p95 < 300 ms per aggregate.
 *
 * Phases: generate (seeded; skipped with BENCH_ANALYTICS_REUSE=1 when the database already holds
 * it), cold start (the first request loads the API's snapshot; reported, not part of the target),
 * warm requests (BENCH_ANALYTICS_REPS per aggregate, one at a time), requests while the store
 * changes (state writes through the states repository between requests, which the API replays
 * from the analytics feed), and the raw floor: reading the framework's states with the driver,
 * which is what any per-request aggregation over `competency_states` would have to do.
 *
 * Run by `BENCH_ANALYTICS=1 npm run bench` or alone: `node dist/bench/analytics.bench.js` with
 * MONGODB_URI and REDIS_URL. Exit code 0 even when a target is missed (FAIL lines say so).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import { computeState, type Competency, type EvidenceItem } from '../src/engine';
import { statesRepository } from '../src/competency/states.repository';
import { generateCohort, type CohortSummary } from './generate-cohort';
import { benchCredentials, startApi, type ApiProcess } from './lib/api';
import { httpRequest } from './lib/http';
import { MONGODB_URI, out, progressAs, ROOT, rssMb } from './lib/process';
import { dist, r1 } from './lib/stats';

const LEARNERS = Number(process.env.BENCH_ANALYTICS_LEARNERS ?? 10_000);
const STATEMENTS = Number(process.env.BENCH_ANALYTICS_STATEMENTS ?? 1_000_000);
const REPS = Number(process.env.BENCH_ANALYTICS_REPS ?? 40);
const DB = process.env.BENCH_ANALYTICS_DB ?? `bench_analytics_${randomBytes(4).toString('hex')}`;
const REUSE = process.env.BENCH_ANALYTICS_REUSE === '1';
const KEEP = process.env.BENCH_ANALYTICS_KEEP === '1' || REUSE;
const RESULTS = process.env.BENCH_ANALYTICS_RESULTS ?? path.join(ROOT, 'bench/results/analytics.json');
const TARGET_P95_MS = 300;
const CREDENTIALS = benchCredentials('bench-key');

const progress = progressAs('bench:analytics');

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
async function get(port: number, url: string): Promise<{ status: number; bytes: number; ms: number; timing: Record<string, number> }> {
  const r = await httpRequest(port, { path: url, auth: CREDENTIALS.auth, agent, keepBody: false });
  // Server-Timing: refresh;dur=…, compute;dur=… (the API's own split of the time).
  const timing = Object.fromEntries([...String(r.headers['server-timing'] ?? '').matchAll(/(\w+);dur=([\d.]+)/g)].map((m) => [m[1] as string, Number(m[2])]));
  return { status: r.status, bytes: r.bytes, ms: r.ms, timing };
}

/** The API's RSS in whole MB (null where /proc is not available). */
function apiRss(api: ApiProcess): number | null {
  const mb = rssMb(api.pid);
  return mb === undefined ? null : Math.round(mb);
}

async function main(): Promise<void> {
  const client = await MongoClient.connect(MONGODB_URI);
  const db = client.db(DB);
  let summary: Omit<CohortSummary, 'framework'> & { frameworkId: string };
  const existing = REUSE ? await db.collection('bench_meta').findOne({ _id: 'summary' as never }) : null;
  if (existing) {
    summary = existing.summary as typeof summary;
    progress(`reusing ${DB} (${summary.learners} learners, ${summary.states} states)`);
  } else {
    progress(`generating ${LEARNERS} learners, ${STATEMENTS} statements' evidence into ${DB}`);
    const s = await generateCohort(db, { learners: LEARNERS, statements: STATEMENTS, evidence: process.env.BENCH_ANALYTICS_EVIDENCE === 'all' ? 'all' : 'scenario', onProgress: progress });
    const { framework, ...rest } = s;
    summary = { ...rest, frameworkId: framework.id };
    await db.collection('bench_meta').replaceOne({ _id: 'summary' as never }, { summary }, { upsert: true });
  }
  out(`analytics benchmark: ${summary.learners} learners, ${summary.states} leaf states + ${summary.rollups} roll-ups, ${summary.evidence} evidence items (${summary.scenarioEvidence} scenario), ${summary.satisfied} satisfied statements; represents ${summary.represents.statements} statements${existing ? '' : `; generated in ${r1(summary.ms / 1000)} s`}`);

  // The raw floor: one read of every state of the framework with the driver (projection as small as the aggregates need).
  const raw: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    const n = (await db.collection('competency_states').find({ store: 'default', generation: 1, frameworkId: summary.frameworkId }, { projection: { _id: 0, learnerId: 1, competencyId: 1, validatedLevel: 1, validUntil: 1, score: 1 } }).batchSize(10_000).toArray()).length;
    raw.push(performance.now() - t);
    if (k === 0) progress(`raw read of ${n} state documents`);
  }
  const rawOne: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    await db.collection('competency_states').find({ store: 'default', generation: 1, frameworkId: summary.frameworkId, competencyId: 'c-000' }, { projection: { _id: 0, learnerId: 1, validatedLevel: 1 } }).toArray();
    rawOne.push(performance.now() - t);
  }

  let api: ApiProcess | undefined;
  try {
    api = await startApi({
      db: DB,
      queuePrefix: `bench-analytics-${randomBytes(3).toString('hex')}`,
      credentials: CREDENTIALS,
      env: { LRS_LOG_LEVEL: process.env.BENCH_API_LOG_LEVEL ?? 'warn' },
      readyPath: '/health',
      logsTo: 'stdout',
    });
    const port = api.port;
    const fw = `framework=${encodeURIComponent(summary.frameworkId)}`;
    const cases: Array<[string, string]> = [
      ['gaps by role', `/api/analytics/gaps?${fw}&by=role`],
      ['gaps by team', `/api/analytics/gaps?${fw}&by=team`],
      ['gaps by team, one role', `/api/analytics/gaps?${fw}&by=team&role=role-3`],
      ['gaps drill-down', `/api/analytics/gaps/learners?${fw}&by=role&group=role-3&competency=area-3`],
      ['skills matrix page (100)', `/api/analytics/skills-matrix?${fw}`],
      ['skills matrix page (500), CSV', `/api/analytics/skills-matrix?${fw}&limit=500&format=csv`],
      ['skills matrix, one team', `/api/analytics/skills-matrix?${fw}&team=team-07`],
      ['time-to-competency', `/api/analytics/time-to-competency?${fw}`],
      ['time-to-competency by competency, curves', `/api/analytics/time-to-competency?${fw}&by=competency&curves=true`],
      ['time-to-competency, to a year ago', `/api/analytics/time-to-competency?${fw}&to=${new Date(Date.now() - 365 * 86_400_000).toISOString()}`],
      ['readiness', `/api/analytics/readiness?${fw}`],
      ['proficiency', `/api/analytics/proficiency?${fw}`],
      ['proficiency, CSV', `/api/analytics/proficiency?${fw}&format=csv`],
      ['cohorts', `/api/analytics/cohorts?${fw}`],
      ['scenario accuracy', `/api/analytics/scenario-accuracy?${fw}`],
      ['scenario accuracy, last 90 days', `/api/analytics/scenario-accuracy?${fw}&from=${new Date(Date.now() - 90 * 86_400_000).toISOString()}`],
      ['path completion', `/api/analytics/path-completion?${fw}`],
      ['reassessments due in 30 days', `/api/analytics/reassessments?${fw}&days=30`],
      ['reassessments, CSV', `/api/analytics/reassessments?${fw}&days=90&limit=1000&format=csv`],
    ];

    const cold = performance.now();
    const first = await get(port, cases[0]![1]);
    if (first.status !== 200) throw new Error(`first request answered ${first.status}`);
    const coldMs = performance.now() - cold;
    out(`cold start (the API loads its snapshot on the first request): ${r1(coldMs / 1000)} s; API RSS ${apiRss(api)} MB`);
    out('');
    out('aggregate                                   bytes    p50 ms   p95 ms   max ms   (API compute p50/p95 ms)');
    const results: Record<string, unknown> = {};
    let failed = 0;
    for (const [name, url] of cases) {
      const samples: number[] = [];
      const compute: number[] = [];
      let bytes = 0;
      for (let k = 0; k < REPS + 3; k++) {
        const r = await get(port, url);
        if (r.status !== 200) throw new Error(`${name}: ${r.status}`);
        bytes = r.bytes;
        if (k >= 3) {
          samples.push(r.ms);
          compute.push(r.timing.compute ?? NaN);
        }
      }
      const d = dist(samples);
      const dc = dist(compute);
      results[name] = { ...d, bytes, compute: dc };
      out(`${name.padEnd(42)} ${String(bytes).padStart(8)} ${String(d.p50).padStart(8)} ${String(d.p95).padStart(8)} ${String(d.max).padStart(8)}   (${dc.p50}/${dc.p95})`);
    }
    out('');
    for (const [name] of cases) {
      const d = results[name] as { p95: number };
      const ok = d.p95 < TARGET_P95_MS;
      if (!ok) failed++;
      out(`${ok ? 'PASS' : 'FAIL'} ${name}: p95 ${d.p95} ms ${ok ? '<' : '≥'} ${TARGET_P95_MS} ms`);
    }

    // While the store changes: between requests, states of N learners are rewritten (as workers do).
    const statesRepo = statesRepository(db);
    const competency: Competency = { id: 'c-000', title: 'x', scale: { levels: [{ id: 'awareness', threshold: 0.3 }, { id: 'basic', threshold: 0.5 }, { id: 'proficient', threshold: 0.7 }, { id: 'expert', threshold: 0.9 }] }, validationRule: { minEvidence: 3, minCertainty: 0.7 } };
    const churn: Record<string, unknown> = {};
    for (const perRequest of [10, 100]) {
      const samples: number[] = [];
      const refresh: number[] = [];
      const compute: number[] = [];
      for (let k = 0; k < Math.max(10, Math.round(REPS / 2)); k++) {
        const writes = [];
        for (let w = 0; w < perRequest; w++) {
          const learnerId = `learner-${String(Math.floor(Math.random() * summary.learners)).padStart(5, '0')}`;
          const evidence: EvidenceItem[] = [0, 1, 2].map((x) => ({ statementId: `churn-${k}-${w}-${x}`, learnerId, competencyId: 'c-000', sourceKind: 'knowledge-check', value: Math.random(), weight: 1, observedAt: Date.now() - x * 1000, storedAt: Date.now(), ruleId: 'quiz-c-000', frameworkVersion: '1' }));
          writes.push(statesRepo.putComputed('default', 1, [{ frameworkId: summary.frameworkId, frameworkVersion: 1, state: computeState({ competency, learnerId, evidence, now: Date.now() }) }], new Date()));
        }
        await Promise.all(writes);
        const r = await get(port, cases[0]![1]);
        if (r.status !== 200) throw new Error(`gaps under churn: ${r.status}`);
        samples.push(r.ms);
        refresh.push(r.timing.refresh ?? NaN);
        compute.push(r.timing.compute ?? NaN);
      }
      const d = dist(samples);
      const dr = dist(refresh);
      const dc = dist(compute);
      churn[`${perRequest} state writes between requests`] = { ...d, refresh: dr, compute: dc };
      out(`gaps by role with ${perRequest} learners' states rewritten before each request (replayed from the feed): p50 ${d.p50} ms, p95 ${d.p95} ms (API's own split, p50/p95: replay ${dr.p50}/${dr.p95} ms, compute ${dc.p50}/${dc.p95} ms)`);
    }
    const rawD = dist(raw);
    const rawOneD = dist(rawOne);
    out(`raw floor: the driver reading the framework's ${summary.states} states once takes p50 ${rawD.p50} ms; one competency's states by a filter on its (non-unique) index ${rawOneD.p50} ms; the stand-in scans for both`);
    out(`API RSS after the run: ${apiRss(api)} MB`);
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, JSON.stringify({ at: new Date().toISOString(), data: summary, coldStartMs: Math.round(coldMs), aggregates: results, churn, raw: { allStates: rawD, oneCompetency: rawOneD }, targetP95Ms: TARGET_P95_MS, failed }, null, 2));
    progress(`results in ${path.relative(ROOT, RESULTS)}`);
  } finally {
    await api?.stop();
    if (!KEEP) await db.dropDatabase();
    await client.close();
    agent.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`analytics benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
