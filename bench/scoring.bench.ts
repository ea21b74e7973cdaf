/**
 * Benchmark of the competency scoring pipeline (issue 4), run by `npm run bench` (scripts/bench.sh)
 * or alone: `node dist/bench/scoring.bench.js` with MONGODB_URI / REDIS_URL set.
 *
 * The API (`dist/src/server.js`) and the competency worker (`dist/workers/competency.worker.js`) run
 * as child processes, as in production; this process only generates load and measures.
 *
 * 1. Sustained load: statements posted at each rate of BENCH_SCORING_LOADS (default 500 per second,
 *    one per request) for BENCH_SCORING_SECONDS (default 40), open loop (sent on schedule whatever
 *    the answers).
 *    Lag = from the POST's 200 to the statement's score being visible. The target is checked on
 *    `scoredAt`, which the worker records for each statement of a job (its return value) once that
 *    statement's states are written and its `toScore` mark cleared (so a little after the score is
 *    visible). Beside it: the BullMQ `completed` event of its job reaching this process
 *    (QueueEvents), later still, as a job completes with its last statement (it holds the ones the
 *    API stored within a few ms) and the event comes through Redis; and for a sample of 1 in 100
 *    statements, polling MongoDB for `toScore: false` (every 10 ms, backing off to 5 % of the time
 *    waited so far), the cross-check of the worker's clock.
 * 2. Worker throughput: the worker is stopped, BENCH_SCORING_BACKLOG statements (default 20,000) are
 *    ingested, a fresh worker is started and the time to drain the backlog is measured: statements
 *    and evidence updates (evidence items written and states recomputed) per second.
 * 3. Raw driver floor: the round trips of one scoring job sent one by one, as the worker sent them
 *    before it coalesced concurrent jobs' round trips (read statement and learner, write evidence
 *    and cell, read cells, write state and roll-up, read the cells' versions again, clear the mark),
 *    by the raw driver with the worker's concurrency on the same server: our cost as a ratio.
 *
 * Before the first load, a warm-up (BENCH_SCORING_WARMUP_SECONDS, default 20, at 250 statements/s)
 * that is not measured: the processes are JIT-compiled by then, as in a running LRS.
 *
 * Knobs: BENCH_SCORING_LOADS (sustained loads, `<rate>x<statements per POST>,...`, default `500x1`),
 * BENCH_SCORING_SECONDS, BENCH_SCORING_BACKLOG, BENCH_SCORING_LEARNERS (default 1000),
 * BENCH_WORKER_CONCURRENCY (default 64, the worker's own default), BENCH_SCORING_PHASES (default
 * `sustained,throughput,raw`), BENCH_WORKER_NODE_ARGS and BENCH_API_NODE_ARGS (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof`), BENCH_SCORING_RESULTS (JSON path, default
 * bench/results/scoring.json).
 *
 * Exit code 0 even when a target is missed (FAIL lines say so); non-zero only when the bench crashed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient, type Db } from 'mongodb';
import { QueueEvents, Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { Framework, MappingRule } from '../src/engine';
import { definitionsRepository } from '../src/competency/definitions.repository';
import { SCORING_QUEUE } from '../src/queue/scoring-queue';
import { cpuSeconds, freePort, writeSyscalls, MONGODB_URI, out, positive, progressAs, REDIS_URL, ROOT, sleep } from './lib/process';
import { percentile, r1 } from './lib/stats';

/**
 * Sustained loads to offer, in order: `<statements per second>x<statements per POST>`, comma
 * separated. The first figure of the default is the target (500/s, one statement per POST).
 */
const LOADS = (process.env.BENCH_SCORING_LOADS ?? '500x1').split(',').map((spec) => {
  const [rate, batch] = spec.trim().split('x').map(Number);
  if (!rate || !(rate > 0)) throw new Error(`BENCH_SCORING_LOADS: bad load "${spec}" (want e.g. 500x1)`);
  return { rate, batch: batch && batch > 0 ? Math.round(batch) : 1 };
});
const TARGET_RATE = 500;
const SECONDS = positive(process.env.BENCH_SCORING_SECONDS, 40);
/**
 * Warm-up before the first measured load: this long at {@link WARMUP_RATE} statements/s, one per
 * POST, not measured. Every process is JIT-compiled (the stand-in's JVM and node's V8): measured
 * cold, the first load paid compilation (the stand-in alone used 1.7 ms of CPU per statement in a
 * cold first run, 0.9 ms warm), which is not what a running LRS costs. 0 turns it off.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_SCORING_WARMUP_SECONDS ?? 20);
const WARMUP_RATE = 250;
const BACKLOG = Math.round(positive(process.env.BENCH_SCORING_BACKLOG, 20_000));
const LEARNERS = Math.round(positive(process.env.BENCH_SCORING_LEARNERS, 1000));
const CONCURRENCY = Math.round(positive(process.env.BENCH_WORKER_CONCURRENCY, 64));
const PHASES = new Set((process.env.BENCH_SCORING_PHASES ?? 'sustained,throughput,raw').split(',').map((p) => p.trim()));
const RESULTS = process.env.BENCH_SCORING_RESULTS ?? path.join(ROOT, 'bench/results/scoring.json');
const TARGET_P95_MS = 1000;
/** One statement in this many is also polled for in MongoDB (the cross-check of the event lag). */
const POLL_EVERY = 100;
const SUFFIX = randomBytes(4).toString('hex');
const DB = `bench_scoring_${SUFFIX}`;
const RAW_DB = `bench_scoring_raw_${SUFFIX}`;
const PREFIX = `bench-scoring-${SUFFIX}`;
const STORE = 'default';
const KEY = 'bench-key';
const SECRET = `bench-${randomBytes(12).toString('hex')}`;
const AUTH = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;

const progress = progressAs('bench:scoring');

interface Dist { n: number; p50: number; p95: number; p99: number; max: number }
function dist(samples: number[]): Dist {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: r1(percentile(s, 0.5)), p95: r1(percentile(s, 0.95)), p99: r1(percentile(s, 0.99)), max: r1(s[s.length - 1] ?? NaN) };
}

// ---------------------------------------------------------------------------------------------
// Definitions and statements

const levels = { levels: [{ id: 'basic', threshold: 0.4 }, { id: 'proficient', threshold: 0.7 }, { id: 'expert', threshold: 0.9 }] };
const LEAVES = ['hazards', 'ppe', 'lockout', 'first-aid'];
const FRAMEWORK: Framework = {
  id: 'https://bench.example.com/frameworks/safety',
  version: '1',
  title: 'Workplace safety',
  roles: [{ id: 'operator', title: 'Operator', requirements: LEAVES.map((c) => ({ competencyId: c, targetLevel: 'proficient' })) }],
  competencies: [
    { id: 'safety', title: 'Safety', scale: levels, rollup: { mode: 'all-children' } },
    ...LEAVES.map((id) => ({ id, title: id, parentId: 'safety', scale: levels, halfLifeDays: 180, reassessmentIntervalDays: 365, validationRule: { minEvidence: 3, minCertainty: 0.8 } })),
  ],
};
const ASSESSMENT = 'http://adlnet.gov/expapi/activities/assessment';
const RULES: MappingRule[] = [
  ...LEAVES.map((c): MappingRule => ({ id: `quiz-${c}`, match: { activityIds: [`https://bench.example.com/quizzes/${c}`] }, produce: [{ competencyId: c, sourceKind: 'knowledge-check', value: { from: 'score.scaled' } }] })),
  {
    id: 'scenario',
    match: { interactionTypes: ['choice'] },
    produce: [
      { competencyId: 'hazards', sourceKind: 'scenario', value: { from: 'choice-table', table: { a: 1, b: 0.5, c: 0 } } },
      { competencyId: 'lockout', sourceKind: 'scenario', value: { from: 'choice-table', table: { a: 0.8, b: 1, c: 0 } } },
    ],
  },
  { id: 'observation', match: { verbIds: ['https://bench.example.com/verbs/observed'] }, produce: [{ competencyId: 'ppe', sourceKind: 'observation', value: { from: 'success' } }] },
];

/** A seeded stream of statements; each says how many evidence items it gives. */
function generator(seed: number) {
  let x = seed >>> 0;
  const rand = () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const base = Date.now() - 60 * 86_400_000;
  return (): { statement: Record<string, unknown>; evidence: number } => {
    const learner = Math.floor(rand() * LEARNERS);
    const skill = (learner % 10) / 10;
    const actor = { objectType: 'Agent', name: `Learner ${learner}`, mbox: `mailto:learner${learner}@bench.example.com` };
    const timestamp = new Date(base + Math.floor(rand() * 59 * 86_400_000)).toISOString();
    const id = randomUUID();
    const kind = rand();
    if (kind < 0.5) {
      const c = LEAVES[Math.floor(rand() * LEAVES.length)] as string;
      return { evidence: 1, statement: { id, actor, timestamp, verb: { id: 'http://adlnet.gov/expapi/verbs/passed', display: { 'en-US': 'passed' } }, object: { objectType: 'Activity', id: `https://bench.example.com/quizzes/${c}`, definition: { type: ASSESSMENT } }, result: { score: { scaled: Math.min(1, Math.max(0, skill + (rand() - 0.5) * 0.4)) } } } };
    }
    if (kind < 0.85) {
      const choice = rand() < skill ? 'a' : rand() < 0.5 ? 'b' : 'c';
      return { evidence: 2, statement: { id, actor, timestamp, verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } }, object: { objectType: 'Activity', id: 'https://bench.example.com/scenarios/1', definition: { type: 'http://adlnet.gov/expapi/activities/cmi.interaction', interactionType: 'choice', choices: [{ id: 'a', description: { 'en-US': 'A' } }, { id: 'b', description: { 'en-US': 'B' } }, { id: 'c', description: { 'en-US': 'C' } }] } }, result: { response: choice } } };
    }
    return { evidence: 1, statement: { id, actor, timestamp, verb: { id: 'https://bench.example.com/verbs/observed', display: { 'en-US': 'observed' } }, object: { objectType: 'Activity', id: 'https://bench.example.com/indicators/ppe' }, result: { success: rand() < skill + 0.2 }, context: { instructor: { objectType: 'Agent', name: 'Manager', mbox: 'mailto:manager@bench.example.com' } } } };
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

const childEnv = (port: number) => ({
  ...process.env,
  PORT: String(port),
  HOST: '127.0.0.1',
  MONGODB_URI,
  MONGODB_DB: DB,
  REDIS_URL,
  LRS_QUEUE_PREFIX: PREFIX,
  LRS_API_KEY_DEFAULT: KEY,
  LRS_API_SECRET_DEFAULT: SECRET,
  LRS_LOG_LEVEL: 'warn',
  LRS_WORKER_CONCURRENCY: String(CONCURRENCY),
  LRS_SWEEP_INTERVAL_MS: process.env.LRS_SWEEP_INTERVAL_MS ?? '10000',
  LRS_SWEEP_MIN_AGE_MS: '30000',
});

function spawnChild(script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout?.pipe(process.stderr);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, exited };
}

async function stopChild(c: { child: ChildProcess; exited: Promise<void> }): Promise<void> {
  if (c.child.exitCode !== null) return;
  c.child.kill('SIGTERM');
  if ((await Promise.race([c.exited.then(() => 'ok'), sleep(40_000).then(() => 'timeout')])) === 'timeout') c.child.kill('SIGKILL');
}

// ---------------------------------------------------------------------------------------------
// HTTP

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/xapi/statements', agent, headers: { 'X-Experience-API-Version': '2.0.0', Authorization: AUTH, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function waitForApi(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/xapi/about', agent }, (res) => { res.resume(); resolve(res.statusCode === 200); }).on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('the API did not answer within 60 s');
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Phases

interface Sustained {
  offeredPerSecond: number;
  batch: number;
  seconds: number;
  sent: number;
  acked: number;
  failed: number;
  achievedPerSecond: number;
  http: Dist;
  /** Ack → the statement's own scoring finished (states written, mark cleared), as the worker timed it. */
  lagScored: Dist;
  /** Ack → the `completed` event of its job reached us (the job's last statement, then Redis). */
  lagEvent: Dist;
  lagPolled: Dist;
  /** Sampled statements not scored within 60 s of their acknowledgement (left out of lagPolled). */
  polledTimeouts: number;
  unscoredAfter60s: number;
  /** The five seconds (from the start of the load) whose acknowledged statements waited longest. */
  worstSeconds: Array<{ second: number; maxLagMs: number }>;
  maxBacklog: number;
  /** CPU of each process over the run, % of one core. */
  cpu: Partial<Record<Proc, number>>;
  /** CPU milliseconds per acknowledged statement, by process. */
  cpuMsPerStatement: Partial<Record<Proc, number>>;
  /** Write system calls per acknowledged statement (socket writes, mostly), by process. */
  writesPerStatement: Partial<Record<Proc, number>>;
}

/** The processes whose CPU the sustained runs account for (`bench`: this load generator). */
type Proc = 'api' | 'worker' | 'mongo' | 'redis' | 'bench';
type Pids = Partial<Record<Proc, number>>;
const PROCS: Proc[] = ['api', 'worker', 'mongo', 'redis', 'bench'];
const PROC_NAMES: Record<Proc, string> = { api: 'API', worker: 'worker', mongo: 'MongoDB', redis: 'Redis', bench: 'load generator' };
function sampleProcs(pids: Pids): { cpu: Partial<Record<Proc, number>>; writes: Partial<Record<Proc, number>> } {
  const cpu: Partial<Record<Proc, number>> = {};
  const writes: Partial<Record<Proc, number>> = {};
  for (const p of PROCS) { cpu[p] = cpuSeconds(pids[p]); writes[p] = writeSyscalls(pids[p]); }
  return { cpu, writes };
}
function perProc(a: Partial<Record<Proc, number>>, b: Partial<Record<Proc, number>>, f: (delta: number) => number): Partial<Record<Proc, number>> {
  const r: Partial<Record<Proc, number>> = {};
  for (const p of PROCS) { const x = a[p]; const y = b[p]; if (x !== undefined && y !== undefined) r[p] = r1(f(y - x)); }
  return r;
}
function formatProcs(v: Partial<Record<Proc, number>>, unit: string): string {
  return PROCS.filter((p) => v[p] !== undefined).map((p) => `${PROC_NAMES[p]} ${v[p]}${unit}`).join(', ');
}

async function sustained(ctx: { port: number; db: Db; events: QueueEvents; queue: Queue; pids: Pids; rate: number; batch: number; seconds: number; seed: number }): Promise<Sustained> {
  const { rate, batch } = ctx;
  const next = generator(ctx.seed);
  const ackAt = new Map<string, number>();
  const doneAt = new Map<string, number>();
  /** Epoch ms at which the worker finished each statement (its job's return value). */
  const scoredAt = new Map<string, number>();
  const httpMs: number[] = [];
  const polled: number[] = [];
  let polledTimeouts = 0;
  let failed = 0;
  const onCompleted = (e: { jobId: string; returnvalue: unknown }) => {
    const at = performance.now();
    for (const s of statementsOfJob(e)) {
      doneAt.set(`${STORE}__${s.id}`, at);
      if (s.scoredAt !== undefined) scoredAt.set(`${STORE}__${s.id}`, s.scoredAt);
    }
  };
  ctx.events.on('completed', onCompleted);
  const total = Math.round((rate * ctx.seconds) / batch);
  const s0 = sampleProcs(ctx.pids);
  let maxBacklog = 0;
  const sampler = setInterval(() => {
    void ctx.queue.getJobCounts('waiting', 'active', 'prioritized').then((c) => { maxBacklog = Math.max(maxBacklog, (c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0)); }).catch(() => undefined);
  }, 500);
  const pollers: Promise<void>[] = [];
  const sends: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000 * batch) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const statements = Array.from({ length: batch }, () => next().statement);
    const ids = statements.map((st) => st.id as string);
    const sentAt = performance.now();
    sends.push(post(ctx.port, JSON.stringify(batch === 1 ? statements[0] : statements)).then((r) => {
      const at = performance.now();
      if (r.status !== 200) { failed += batch; return; }
      httpMs.push(at - sentAt);
      for (const id of ids) ackAt.set(`${STORE}__${id}`, at);
      if (i % Math.max(1, Math.round(POLL_EVERY / batch)) === 0) pollers.push(pollScored(ctx.db, ids[0] as string, at).then((ms) => { if (ms !== undefined) polled.push(ms); else polledTimeouts++; }));
    }, () => { failed += batch; }));
    if (i > 0 && i % Math.round((rate * 5) / batch) === 0) progress(`sustained: ${i * batch} sent, ${doneAt.size} scored`);
  }
  await Promise.all(sends);
  const sendSeconds = (performance.now() - t0) / 1000;
  const deadline = Date.now() + 60_000;
  while ([...ackAt.keys()].some((k) => !doneAt.has(k)) && Date.now() < deadline) await sleep(100);
  await Promise.all(pollers);
  clearInterval(sampler);
  ctx.events.off('completed', onCompleted);
  const s1 = sampleProcs(ctx.pids);
  const elapsed = (performance.now() - t0) / 1000;
  const lags: number[] = [];
  const scoredLags: number[] = [];
  let unscored = 0;
  // Worst lag by second of acknowledgement: tells a steady backlog from pauses.
  const bySecond = new Map<number, number>();
  for (const [k, at] of ackAt) {
    const d = doneAt.get(k);
    if (d === undefined) unscored++;
    // A job can complete before the POST's answer reaches us: that is a lag of ~0, not negative.
    else {
      lags.push(Math.max(0, d - at));
      // The worker's clock is this machine's wall clock, as is performance.timeOrigin + at; its
      // Date.now() has 1 ms resolution, and it may finish before the POST's answer reaches us.
      const t = scoredAt.get(k);
      const lag = t === undefined ? d - at : Math.max(0, t - (performance.timeOrigin + at));
      scoredLags.push(lag);
      const sec = Math.floor((at - t0) / 1000);
      bySecond.set(sec, Math.max(bySecond.get(sec) ?? 0, lag));
    }
  }
  const worstSeconds = [...bySecond].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([second, maxLagMs]) => ({ second, maxLagMs: r1(maxLagMs) }));
  return {
    offeredPerSecond: rate,
    batch,
    seconds: r1(sendSeconds),
    sent: total * batch,
    acked: ackAt.size,
    failed,
    achievedPerSecond: r1(ackAt.size / sendSeconds),
    http: dist(httpMs),
    lagScored: dist(scoredLags),
    lagEvent: dist(lags),
    lagPolled: dist(polled),
    polledTimeouts,
    unscoredAfter60s: unscored,
    worstSeconds,
    maxBacklog,
    cpu: perProc(s0.cpu, s1.cpu, (d) => (d / elapsed) * 100),
    cpuMsPerStatement: perProc(s0.cpu, s1.cpu, (d) => (d * 1000) / Math.max(1, ackAt.size)),
    writesPerStatement: perProc(s0.writes, s1.writes, (d) => d / Math.max(1, ackAt.size)),
  };
}

async function pollScored(db: Db, id: string, ackAt: number): Promise<number | undefined> {
  const col = db.collection('statements');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const d = await col.findOne({ store: STORE, id }, { projection: { _id: 0, toScore: 1 } });
    const elapsed = performance.now() - ackAt;
    if (d !== null && d.toScore === false) return elapsed;
    // Every 10 ms at first, then every 5 % of the time waited so far: the polls must not load the
    // statements collection the API writes to (the stand-in serialises each collection's
    // operations), whatever the lag; the reading is late by at most 5 % + 10 ms.
    await sleep(Math.max(10, elapsed / 20));
  }
  return undefined;
}

/**
 * The statements a completed scoring job scored, with when the worker finished each (`scoredAt`,
 * epoch ms): its return value lists them (a job holds the statements the API stored close
 * together); a job without one is named `<store>__<statement id>`.
 */
function statementsOfJob(e: { jobId: string; returnvalue: unknown }): Array<{ id: string; scoredAt?: number }> {
  if (!Array.isArray(e.returnvalue)) return [{ id: e.jobId.slice(e.jobId.indexOf('__') + 2) }];
  return e.returnvalue.map((r: { statementId?: unknown; scoredAt?: unknown }) => ({ id: String(r.statementId), ...(typeof r.scoredAt === 'number' ? { scoredAt: r.scoredAt } : {}) }));
}

interface Throughput { statements: number; evidenceItems: number; seconds: number; statementsPerSecond: number; evidenceUpdatesPerSecond: number; workerCpuPercent?: number }

async function drain(ctx: { port: number; db: Db; events: QueueEvents; startWorker: () => Promise<{ pid?: number; stop: () => Promise<void> }> }): Promise<Throughput> {
  const next = generator(7);
  let evidence = 0;
  const batches: string[] = [];
  for (let i = 0; i < BACKLOG; i += 100) {
    const batch = Array.from({ length: Math.min(100, BACKLOG - i) }, () => next());
    evidence += batch.reduce((s, b) => s + b.evidence, 0);
    batches.push(JSON.stringify(batch.map((b) => b.statement)));
  }
  progress(`throughput: ingesting a backlog of ${BACKLOG} statements with the worker stopped`);
  let k = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (k < batches.length) {
      const r = await post(ctx.port, batches[k++] as string);
      if (r.status !== 200) throw new Error(`backlog ingest: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    }
  }));
  const statements = ctx.db.collection('statements');
  const pending = () => statements.countDocuments({ store: STORE, toScore: true });
  const before = await pending();
  const evidenceRows = () => ctx.db.collection('evidence').countDocuments({ store: STORE });
  const evidenceBefore = await evidenceRows();
  progress(`throughput: ${before} statements waiting; starting a worker`);
  // Completion is counted from job events: counting `toScore` in MongoDB every few hundred ms
  // would itself load the stand-in (a collection scan there).
  let completed = 0;
  let lastAt = 0;
  const onCompleted = (e: { jobId: string; returnvalue: unknown }) => { completed += statementsOfJob(e).length; lastAt = performance.now(); };
  ctx.events.on('completed', onCompleted);
  const t0 = performance.now();
  const worker = await ctx.startWorker();
  const cpu0 = cpuSeconds(worker.pid);
  for (;;) {
    await sleep(1000);
    if (completed >= before && (await pending()) === 0) break;
    if (performance.now() - t0 > 900_000) throw new Error(`throughput: ${await pending()} statements still unscored after 15 minutes`);
  }
  ctx.events.off('completed', onCompleted);
  const seconds = ((lastAt || performance.now()) - t0) / 1000;
  const cpu1 = cpuSeconds(worker.pid);
  await worker.stop();
  // Evidence rows written while draining (statements left over from earlier phases included).
  evidence = (await evidenceRows()) - evidenceBefore;
  return {
    statements: before,
    evidenceItems: evidence,
    seconds: r1(seconds),
    statementsPerSecond: r1(before / seconds),
    evidenceUpdatesPerSecond: r1(evidence / seconds),
    workerCpuPercent: cpu0 !== undefined && cpu1 !== undefined ? r1(((cpu1 - cpu0) / seconds) * 100) : undefined,
  };
}

/** The unique-key round trips of one scoring job, with the raw driver. */
async function rawFloor(client: MongoClient, count: number): Promise<{ statements: number; seconds: number; statementsPerSecond: number }> {
  const db = client.db(RAW_DB);
  const [st, le, ev, ce, ro, sa] = ['statements', 'learners', 'evidence', 'cells', 'rollups', 'states'].map((n) => db.collection(n));
  await st!.createIndex({ store: 1, id: 1 }, { unique: true });
  await le!.createIndex({ store: 1, identities: 1 }, { unique: true });
  await ev!.createIndex({ store: 1, generation: 1, statementId: 1, frameworkId: 1, competencyId: 1, ruleId: 1 }, { unique: true });
  await ro!.createIndex({ store: 1, generation: 1, learnerId: 1, frameworkId: 1, competencyId: 1 }, { unique: true });
  await sa!.createIndex({ store: 1, generation: 1, learnerId: 1, frameworkId: 1, competencyId: 1 }, { unique: true });
  const next = generator(99);
  const docs = Array.from({ length: count }, () => next().statement);
  for (let i = 0; i < docs.length; i += 1000) await st!.insertMany(docs.slice(i, i + 1000).map((s) => ({ store: STORE, id: s.id, json: JSON.stringify(s), toScore: true, voided: false })));
  for (let l = 0; l < LEARNERS; l++) await le!.updateOne({ store: STORE, identities: `mbox:mailto:learner${l}@bench.example.com` }, { $set: { learnerId: `implicit:${l}` } }, { upsert: true });
  let i = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (i < docs.length) {
      const s = docs[i++] as { id: string; actor: { mbox: string } };
      const d = await st!.findOne({ store: STORE, id: s.id });
      const learner = await le!.findOne({ store: STORE, identities: `mbox:${s.actor.mbox}` });
      const learnerId = String(learner?.learnerId);
      const cell = `${STORE}\u00011\u0001${learnerId}\u0001fw\u0001hazards`;
      const item = { learnerId, value: 1, weight: 1, size: (d?.json as string | undefined)?.length };
      await Promise.all([
        ev!.replaceOne({ store: STORE, generation: 1, statementId: s.id, frameworkId: 'fw', competencyId: 'hazards', ruleId: 'r' }, { store: STORE, generation: 1, statementId: s.id, frameworkId: 'fw', competencyId: 'hazards', ruleId: 'r', ...item }, { upsert: true }),
        ce!.updateOne({ _id: cell as never }, { $set: { [`items.${s.id}`]: { statementId: s.id, ...item } } }, { upsert: true }),
      ]);
      await ce!.find({ _id: { $in: [cell as never] } }).toArray();
      await Promise.all([
        sa!.replaceOne({ store: STORE, generation: 1, learnerId, frameworkId: 'fw', competencyId: 'hazards' }, { store: STORE, generation: 1, learnerId, frameworkId: 'fw', competencyId: 'hazards', score: 0.5 }, { upsert: true }),
        ro!.replaceOne({ store: STORE, generation: 1, learnerId, frameworkId: 'fw', competencyId: 'safety' }, { store: STORE, generation: 1, learnerId, frameworkId: 'fw', competencyId: 'safety', score: 0.5 }, { upsert: true }),
      ]);
      await ce!.find({ _id: { $in: [cell as never] } }, { projection: { v: 1 } }).toArray();
      await st!.findOneAndUpdate({ store: STORE, id: s.id }, { $set: { toScore: false } }, { projection: { voided: 1 } });
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await db.dropDatabase();
  return { statements: count, seconds: r1(seconds), statementsPerSecond: r1(count / seconds) };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const client = new MongoClient(MONGODB_URI);
  await client.connect();
  const db = client.db(DB);
  const defs = definitionsRepository(db);
  await defs.ensureIndexes();
  await defs.saveFramework(STORE, FRAMEWORK, new Date());
  await defs.saveRules(STORE, FRAMEWORK.id, RULES, new Date());

  const port = await freePort();
  const env = childEnv(port);
  const api = spawnChild('dist/src/server.js', env, (process.env.BENCH_API_NODE_ARGS ?? '').split(/\s+/).filter(Boolean));
  await waitForApi(port);
  const startWorker = async () => {
    const w = spawnChild('dist/workers/competency.worker.js', env, (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean));
    return { pid: w.child.pid, stop: () => stopChild(w) };
  };
  let worker = await startWorker();
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
  const eventsConnection = redis.duplicate();
  const events = new QueueEvents(SCORING_QUEUE, { connection: eventsConnection, prefix: PREFIX });
  const queue = new Queue(SCORING_QUEUE, { connection: redis, prefix: PREFIX });
  await events.waitUntilReady();
  const mongoPid = process.env.BENCH_STAND_IN_PID ? Number(process.env.BENCH_STAND_IN_PID) : undefined;
  const redisPid = process.env.BENCH_REDIS_PID ? Number(process.env.BENCH_REDIS_PID) : undefined;
  const report: Record<string, unknown> = { at: new Date().toISOString(), mongodb: MONGODB_URI.replace(/\/\/[^@/]*@/, '//***@'), learners: LEARNERS, workerConcurrency: CONCURRENCY };
  try {
    // Warm-up: connections, JIT, the scoring set cache.
    for (let i = 0; i < 50; i++) await post(port, JSON.stringify(generator(1000 + i)().statement));
    await sleep(2000);

    out('');
    out('Competency scoring pipeline (API and competency worker as child processes)');
    out(`MongoDB: ${report.mongodb as string}  (figures against the stand-in describe the stand-in)`);
    if (PHASES.has('sustained')) {
      const runs: Sustained[] = [];
      const pids = { api: api.child.pid, worker: worker.pid, mongo: mongoPid, redis: redisPid, bench: process.pid };
      if (WARMUP_SECONDS > 0) {
        progress(`warm-up: ${WARMUP_RATE} statements/s for ${WARMUP_SECONDS} s (not measured: JIT compilation of every process)`);
        const w = await sustained({ port, db, events, queue, pids, rate: WARMUP_RATE, batch: 1, seconds: WARMUP_SECONDS, seed: 7 });
        out(`warm-up (not measured): ${w.acked} statements at ${WARMUP_RATE}/s for ${WARMUP_SECONDS} s; CPU per statement: ${formatProcs(w.cpuMsPerStatement, ' ms')}`);
        report.warmup = { rate: WARMUP_RATE, seconds: WARMUP_SECONDS, cpuMsPerStatement: w.cpuMsPerStatement };
      }
      for (const [k, load] of LOADS.entries()) {
        progress(`sustained: ${load.rate} statements/s for ${SECONDS} s, ${load.batch} per POST`);
        const s = await sustained({ port, db, events, queue, pids, ...load, seconds: SECONDS, seed: 42 + k });
        runs.push(s);
        out(`sustained: ${s.offeredPerSecond} statements/s offered for ${SECONDS} s, ${s.batch} per POST: ${s.acked} acknowledged (${s.achievedPerSecond}/s), ${s.failed} failed; POST p50 ${s.http.p50} ms, p95 ${s.http.p95} ms`);
        out(`  lag ack → scored (states written and toScore cleared, timed by the worker per statement, n=${s.lagScored.n}): p50 ${s.lagScored.p50} ms, p95 ${s.lagScored.p95} ms, p99 ${s.lagScored.p99} ms, max ${s.lagScored.max} ms`);
        out(`  lag ack → its job's completed event received (after the job's last statement, via Redis, n=${s.lagEvent.n}): p50 ${s.lagEvent.p50} ms, p95 ${s.lagEvent.p95} ms, p99 ${s.lagEvent.p99} ms, max ${s.lagEvent.max} ms`);
        out(`  lag ack → toScore cleared (MongoDB polled, late by ≤ 5 % + 10 ms, n=${s.lagPolled.n}, ${s.polledTimeouts} not within 60 s): p50 ${s.lagPolled.p50} ms, p95 ${s.lagPolled.p95} ms`);
        out(`  largest backlog ${s.maxBacklog} jobs; unscored 60 s after the last POST: ${s.unscoredAfter60s}`);
        out(`  CPU (% of one core): ${formatProcs(s.cpu, ' %')}`);
        out(`  worst seconds (second of the run: longest lag): ${s.worstSeconds.map((w) => `${w.second}s: ${w.maxLagMs} ms`).join(', ')}`);
        out(`  CPU per statement: ${formatProcs(s.cpuMsPerStatement, ' ms')}; write syscalls per statement: ${formatProcs(s.writesPerStatement, '')}`);
        const ok = s.lagScored.p95 < TARGET_P95_MS && s.unscoredAfter60s === 0 && s.failed === 0 && s.achievedPerSecond >= 0.95 * s.offeredPerSecond;
        const isTarget = s.offeredPerSecond >= TARGET_RATE && s.batch === 1;
        out(`${ok ? 'PASS' : 'FAIL'} lag${isTarget ? '' : ' (not the target load)'}: p95 ${s.lagScored.p95} ms from acknowledgement to scored, ${s.achievedPerSecond} of ${s.offeredPerSecond} statements/s acknowledged (target: < ${TARGET_P95_MS} ms at ${TARGET_RATE}/s)`);
        if (isTarget) report.pass = ok;
      }
      report.sustained = runs;
    }
    let t: Throughput | undefined;
    if (PHASES.has('throughput')) {
      await worker.stop();
      t = await drain({ port, db, events, startWorker: async () => (worker = await startWorker()) });
      report.throughput = t;
      out(`throughput (backlog of ${t.statements} statements, worker alone, concurrency ${CONCURRENCY}): ${t.statementsPerSecond} statements/s, ${t.evidenceUpdatesPerSecond} evidence updates/s (worker CPU ${t.workerCpuPercent ?? '?'} %)`);
    }
    if (PHASES.has('raw')) {
      progress('raw driver floor');
      const raw = await rawFloor(client, Math.min(BACKLOG, 10_000));
      report.rawFloor = { ...raw, ratio: t ? Math.round((t.statementsPerSecond / raw.statementsPerSecond) * 100) / 100 : undefined };
      out(`raw driver floor (the same unique-key round trips per statement, same concurrency): ${raw.statementsPerSecond} statements/s${t ? `; worker / raw = ${(report.rawFloor as { ratio: number }).ratio}` : ''}`);
    }
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await Promise.allSettled([worker.stop(), stopChild(api)]);
    await events.close().catch(() => undefined);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close().catch(() => undefined);
    // Connections we gave BullMQ are ours to close (it leaves a connection it was given open).
    eventsConnection.disconnect();
    redis.disconnect();
    await db.dropDatabase().catch(() => undefined);
    await client.close();
    agent.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`scoring bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
