/**
 * Benchmark of the statements resource (issue 2), run by `npm run bench` (scripts/bench.sh).
 *
 * The LRS API runs as a separate child process (`node dist/src/server.js`), so its resident memory
 * can be sampled and it does not share an event loop with this load generator. Every figure for the
 * API is set against the raw MongoDB driver doing the same work on the same server in the same run,
 * because against the test stand-in absolute numbers describe the stand-in, not us.
 *
 * Environment:
 *   MONGODB_URI, REDIS_URL  servers to use (scripts/bench.sh starts local ones when absent)
 *   BENCH_SCALE             multiplies statement counts and query repetitions (default 1)
 *   BENCH_CONCURRENCY       concurrent clients for the write phases (default 4)
 *   BENCH_MILLION=1         also post statements through the API (batches of 100) until it has taken
 *                           1,000,000 in the run, and report the API's peak RSS
 *   BENCH_MILLION_KEEP      during that ingest, delete all but about this many statements behind the
 *                           API's back, so the stand-in (no secondary indexes: every lookup is a scan)
 *                           stays fast. Default 5000 when scripts/bench.sh started the stand-in, else 0
 *                           (keep everything). The API's work per statement is the same either way.
 *   BENCH_LOAD_VIA_API=1    load the query set through the API too (default: the write phases' statements
 *                           plus the documents the API would store, inserted with the driver)
 *   BENCH_RESULTS           where to write the JSON results (default bench/results/latest.json)
 *   BENCH_API_NODE_ARGS     extra node arguments for the API process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 *
 * Exit code 0 even when a target is missed (FAIL lines say so); non-zero only when the bench crashed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { planStatementQuery, STATEMENT_INDEXES, type QueryPlan } from '../src/statements/query-plan';
import { parseStatementQuery } from '../src/statements/query-params';
import { decodeMoreToken } from '../src/statements/more-token';
import { indexFieldsOf, agentIfiKey } from '../src/statements/model/statement-index-fields';
import { DEFAULT_STORE } from '../src/auth/credentials.repository';
import { CREDENTIAL_HOMEPAGE } from '../src/auth/auth.service';
import type { StatementDoc } from '../src/statements/statement-doc';
import { statementGenerator, VERBS, type StatementGenerator } from './generate-statements';
import { benchCredentials, obliterateQueue, startApi } from './lib/api';
import { httpRequest } from './lib/http';
import { cpuSeconds, MONGODB_URI, out, positive, progressAs, redacted, REDIS_URL, ROOT, rssMb, sleep } from './lib/process';
import { latencyOf, r2, type Latency } from './lib/stats';

// ---------------------------------------------------------------------------------------------
// Settings

const SCALE = positive(process.env.BENCH_SCALE, 1);
const CONCURRENCY = Math.max(1, Math.round(positive(process.env.BENCH_CONCURRENCY, 4)));
const MILLION = process.env.BENCH_MILLION === '1';
const MILLION_TARGET = 1_000_000;
const MILLION_KEEP = Math.max(0, Math.round(Number(process.env.BENCH_MILLION_KEEP ?? (process.env.BENCH_STAND_IN_PID ? 5000 : 0)) || 0));
const LOAD_VIA_API = process.env.BENCH_LOAD_VIA_API === '1';
const RESULTS = process.env.BENCH_RESULTS ?? path.join(ROOT, 'bench/results/latest.json');
const CREDENTIALS = benchCredentials('bench-key');
const SUFFIX = randomBytes(4).toString('hex');
const API_DB = `bench_${SUFFIX}`;
const RAW_DB = `bench_raw_${SUFFIX}`;
const QUEUE_PREFIX = `bench-${SUFFIX}`;

/** Statements per write phase (batch size → count), a time cap per phase, and the query set size. */
const WRITE_COUNTS: Record<number, number> = { 1: round(1500 * SCALE), 10: round(6000 * SCALE), 100: round(30_000 * SCALE) };
const WRITE_PHASE_CAP_S = 30 * SCALE;
const QUERY_SET = round(50_000 * SCALE);
const QUERY_REPS = Math.max(20, round(30 * SCALE));
const QUERY_WARMUP = 5;
const QUERY_LIMIT = 100;
const TARGET_WRITE_RATIO = 0.5;
const TARGET_QUERY_RATIO = 3;
const TARGET_RSS_MB = 300;

function round(n: number): number { return Math.max(1, Math.round(n)); }

const progress = progressAs('bench');

// ---------------------------------------------------------------------------------------------
// The API's memory

/** Samples a pid's RSS every 200 ms; tracks the overall peak and the peak of the current phase. */
class RssSampler {
  peak = 0;
  phasePeak = 0;
  last = 0;
  available = true;
  private timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
    this.timer.unref();
  }
  sample(): void {
    const mb = rssMb(this.pid);
    if (mb === undefined) { this.available = false; return; }
    this.last = mb;
    if (mb > this.peak) this.peak = mb;
    if (mb > this.phasePeak) this.phasePeak = mb;
  }
  /** Starts a new phase; returns the peak of the phase that ended. */
  phase(): number {
    this.sample();
    const p = this.phasePeak;
    this.phasePeak = this.last;
    return p;
  }
  stop(): void { clearInterval(this.timer); }
}

// ---------------------------------------------------------------------------------------------
// HTTP: one keep-alive agent for every request

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface HttpResult { status: number; body: string; ms: number }

async function request(port: number, method: string, urlPath: string, body?: string): Promise<HttpResult> {
  const r = await httpRequest(port, { method, path: urlPath, auth: CREDENTIALS.auth, version: '2.0.0', body, agent });
  return { status: r.status, body: r.body.toString('utf8'), ms: r.ms };
}

function expectOk(r: HttpResult, what: string): void {
  if (r.status < 200 || r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${r.body.slice(0, 500)}`);
}

// ---------------------------------------------------------------------------------------------
// Write phases

interface WriteResult {
  statements: number;
  seconds: number;
  perSecond: number;
  latency: Latency;
  /** CPU time per statement of the API process, the MongoDB server (when its pid is known) and this load generator. */
  cpuMsPerStatement: { api?: number; mongo?: number; bench: number };
}

const pids: { api?: number; mongo?: number } = {};

function cpuSnapshot(): { api?: number; mongo?: number; bench: number } {
  const u = process.cpuUsage();
  return {
    api: cpuSeconds(pids.api),
    mongo: cpuSeconds(pids.mongo),
    bench: (u.user + u.system) / 1e6,
  };
}

/** Runs `work(i)` for i in [0, count) with `concurrency` workers, stopping early after capSeconds. */
async function runConcurrent(count: number, capSeconds: number, work: (i: number) => Promise<number>): Promise<{ done: number; seconds: number; latencies: number[]; cpu: { api?: number; mongo?: number; bench: number } }> {
  const cpu0 = cpuSnapshot();
  let next = 0;
  let done = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  const capAt = t0 + capSeconds * 1000;
  async function worker(): Promise<void> {
    while (next < count && performance.now() < capAt) {
      const i = next++;
      const s = performance.now();
      const n = await work(i);
      latencies.push(performance.now() - s);
      done += n; // not `done += await ...`, which would add to a stale value
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuSnapshot();
  const per = (a?: number, b?: number) => (a !== undefined && b !== undefined && done > 0 ? r2(((b - a) * 1000) / done) : undefined);
  return { done, seconds, latencies, cpu: { api: per(cpu0.api, cpu1.api), mongo: per(cpu0.mongo, cpu1.mongo), bench: per(cpu0.bench, cpu1.bench) ?? 0 } };
}

function writeResult(r: { done: number; seconds: number; latencies: number[]; cpu: WriteResult['cpuMsPerStatement'] }): WriteResult {
  return { statements: r.done, seconds: r2(r.seconds), perSecond: r2(r.done / r.seconds), latency: latencyOf(r.latencies), cpuMsPerStatement: r.cpu };
}

/** Records what query parameters can be drawn from: a sample of posted statements and their times. */
class Population {
  ids: string[] = [];
  registrations: string[] = [];
  agents: string[] = [];
  activities: string[] = [];
  /** Statements stored in the API's collection, however they got there. */
  total = 0;
  /** Statements that went through the API. */
  viaApi = 0;
  firstAt = 0;
  lastAt = 0;
  /** (viaApi, time) after each completed API batch: where to cut when pruning. */
  marks: Array<[number, number]> = [];
  note(batch: Array<Record<string, unknown>>, viaApi = true): void {
    const now = Date.now();
    if (this.firstAt === 0) this.firstAt = now;
    this.lastAt = now;
    if (viaApi) {
      this.viaApi += batch.length;
      this.marks.push([this.viaApi, now]);
    }
    for (const s of batch) {
      this.total++;
      if (this.total % 37 !== 0) continue;
      this.ids.push(s.id as string);
      const ctx = s.context as { registration: string };
      this.registrations.push(ctx.registration);
      const actor = s.actor as Record<string, unknown>;
      this.agents.push(JSON.stringify(actor.mbox !== undefined ? { mbox: actor.mbox } : { account: actor.account }));
      this.activities.push((s.object as { id: string }).id);
    }
  }
}

async function apiWrites(port: number, gen: StatementGenerator, pop: Population, batchSize: number, count: number, capS: number): Promise<WriteResult> {
  const batches = Math.ceil(count / batchSize);
  const bodies: string[] = [];
  const stmts: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < batches; i++) {
    const b = gen.batch(batchSize);
    stmts.push(b);
    bodies.push(JSON.stringify(batchSize === 1 ? b[0] : b));
  }
  const r = await runConcurrent(batches, capS, async (i) => {
    const res = await request(port, 'POST', '/xapi/statements', bodies[i]);
    expectOk(res, `POST /xapi/statements (batch of ${batchSize})`);
    pop.note(stmts[i]!);
    return batchSize;
  });
  return writeResult(r);
}

/** What the API stores for a statement, built here so the raw driver writes documents of the same size and shape. */
function rawDoc(s: Record<string, unknown>, stored: Date): StatementDoc & { batch?: string } {
  const authority = { objectType: 'Agent', name: 'default', account: { homePage: CREDENTIAL_HOMEPAGE, name: CREDENTIALS.key } };
  const full = { ...s, stored: stored.toISOString(), authority, version: '2.0.0' };
  const f = indexFieldsOf(full, { line: '2.0' });
  return {
    store: DEFAULT_STORE,
    id: s.id as string,
    stored,
    timestamp: new Date(String(s.timestamp)),
    voided: false,
    line: '2.0',
    verbIds: [f.verbId],
    authorityKey: agentIfiKey(authority) ?? '',
    agents: f.agents,
    relatedAgents: f.relatedAgents,
    activities: f.activities,
    relatedActivities: f.relatedActivities,
    registrations: f.registrations,
    json: JSON.stringify(full),
    toScore: true,
  };
}

/**
 * The raw driver writing the same number of equivalent documents. With `lookups`, it also issues
 * the read the API's write path makes before inserting statements with ids of their own (their
 * referrers, by `_id` in `statement_refs`), which tells how much of the gap is that read on this
 * server rather than the API's own cost.
 */
async function rawWrites(col: Collection<StatementDoc & { batch?: string }>, gen: StatementGenerator, batchSize: number, count: number, lookups: boolean): Promise<WriteResult> {
  const batches = Math.ceil(count / batchSize);
  const docs: Array<Array<StatementDoc & { batch?: string }>> = [];
  const epoch = new Date();
  for (let i = 0; i < batches; i++) docs.push(gen.batch(batchSize).map((s) => rawDoc(s, epoch)));
  const r = await runConcurrent(batches, Number.POSITIVE_INFINITY, async (i) => {
    const stored = new Date();
    const batch = randomUUID();
    const b = docs[i]!.map((d) => ({ ...d, stored, batch }));
    if (lookups) {
      const ids = b.map((d) => d.id);
      await col.db.collection<{ _id: string }>('statement_refs').find({ _id: { $in: ids.map((id) => `${DEFAULT_STORE}\u0001${id}`) } }).toArray();
    }
    await col.insertMany(b, { ordered: true });
    return batchSize;
  });
  return writeResult(r);
}

/**
 * Posts batches of 100 until `target` statements went through the API in this run (no latency
 * kept). With `prune`, a side loop deletes all but the newest `prune.keep` statements from the
 * API's collection as it goes.
 */
async function ingest(port: number, gen: StatementGenerator, pop: Population, target: number, label: string, rss: RssSampler, prune?: { col: Collection<StatementDoc>; keep: number }): Promise<{ statements: number; seconds: number; perSecond: number; cpuMsPerStatement: WriteResult['cpuMsPerStatement'] }> {
  const need = Math.max(0, target - pop.viaApi);
  const batches = Math.ceil(need / 100);
  let posted = 0;
  const t0 = performance.now();
  let lastReport = t0;
  let running = true;
  const pruner = (async () => {
    if (!prune) return;
    let deleted = 0;
    while (running) {
      await sleep(1000);
      // The newest mark at least `keep` statements back: everything stored before it can go.
      const cut = pop.viaApi - prune.keep;
      let at: number | undefined;
      for (let i = pop.marks.length - 1; i >= 0; i--) if ((pop.marks[i] as [number, number])[0] <= cut) { at = (pop.marks[i] as [number, number])[1]; break; }
      if (at === undefined) continue;
      const r = await prune.col.deleteMany({ store: DEFAULT_STORE, stored: { $lt: new Date(at) } });
      deleted += r.deletedCount;
      pop.marks = pop.marks.filter(([, t]) => t >= at);
    }
    progress(`${label}: pruned ${deleted.toLocaleString('en')} statements behind the API`);
  })();
  const r = await runConcurrent(batches, Number.POSITIVE_INFINITY, async () => {
    const b = gen.batch(100);
    const res = await request(port, 'POST', '/xapi/statements', JSON.stringify(b));
    expectOk(res, 'POST /xapi/statements (ingest)');
    pop.note(b);
    posted += 100;
    const now = performance.now();
    if (now - lastReport > 10_000) {
      lastReport = now;
      progress(`${label}: ${pop.viaApi.toLocaleString('en')} / ${target.toLocaleString('en')} statements through the API, ${Math.round(posted / ((now - t0) / 1000))}/s, API RSS ${rss.last.toFixed(0)} MB (peak ${rss.peak.toFixed(0)} MB)`);
    }
    return 100;
  });
  running = false;
  await pruner;
  return { statements: r.done, seconds: r2(r.seconds), perSecond: r2(r.done / r.seconds), cpuMsPerStatement: r.cpu };
}

/** Inserts, with the driver, the documents the API would store, until its collection holds `target` statements. */
async function topUp(col: Collection<StatementDoc>, gen: StatementGenerator, pop: Population, target: number): Promise<{ statements: number; seconds: number }> {
  const t0 = performance.now();
  let n = 0;
  while (pop.total < target) {
    const b = gen.batch(Math.min(1000, target - pop.total));
    const stored = new Date();
    await col.insertMany(b.map((s) => ({ ...rawDoc(s, stored), batch: randomUUID() })), { ordered: true });
    pop.note(b, false);
    n += b.length;
  }
  return { statements: n, seconds: r2((performance.now() - t0) / 1000) };
}

// ---------------------------------------------------------------------------------------------
// Query shapes

interface Shape {
  name: string;
  /** Query string parameters of the i-th request (after decoding, for `more`). */
  params(i: number): Record<string, string>;
}

interface QueryResult { shape: string; api: Latency; raw: Latency; ratioP95: number; pass: boolean; rows: number }

function queryString(p: Record<string, string>): string {
  return new URLSearchParams(p).toString();
}

/** The raw driver's equivalent of one GET: the same filter, sort and limit as the API's plan (or the same findOne). */
function rawRead(col: Collection<StatementDoc>, params: Record<string, string>): Promise<unknown> {
  if (params.statementId !== undefined) {
    return col.findOne({ store: DEFAULT_STORE, id: params.statementId.toLowerCase(), voided: false }, { projection: { _id: 0, json: 1, stored: 1, line: 1, authorityKey: 1 } });
  }
  let plan: QueryPlan;
  if (params.more !== undefined) {
    const decoded = decodeMoreToken(params.more);
    const req = parseStatementQuery(decoded.query, { line: '2.0', limitDefault: 100, limitMax: 500 });
    if (req.kind !== 'query') throw new Error('more token does not hold a query');
    plan = planStatementQuery(DEFAULT_STORE, req.filter, decoded.cursor);
    return col.find(plan.filter, { sort: plan.sort, limit: req.limit, projection: { _id: 1, json: 1, stored: 1, line: 1 } }).toArray();
  }
  const req = parseStatementQuery(params, { line: '2.0', limitDefault: 100, limitMax: 500 });
  if (req.kind !== 'query') throw new Error('not a query');
  plan = planStatementQuery(DEFAULT_STORE, req.filter);
  return col.find(plan.filter, { sort: plan.sort, limit: req.limit, projection: { _id: 1, json: 1, stored: 1, line: 1 } }).toArray();
}

async function collectMoreTokens(port: number, n: number): Promise<string[]> {
  const tokens: string[] = [];
  let url = `/xapi/statements?limit=${QUERY_LIMIT}`;
  while (tokens.length < n) {
    const r = await request(port, 'GET', url);
    expectOk(r, 'GET /xapi/statements (collecting more links)');
    const more = (JSON.parse(r.body) as { more: string }).more;
    if (!more) break;
    tokens.push(new URL(more, 'http://x').searchParams.get('more') as string);
    url = more;
  }
  if (tokens.length === 0) throw new Error('the API returned no more link on a full store');
  return tokens;
}

function shapes(gen: StatementGenerator, pop: Population, moreTokens: string[]): Shape[] {
  const lim = { limit: String(QUERY_LIMIT) };
  const at = <T>(xs: T[], i: number): T => xs[(i * 7919) % xs.length] as T;
  const verbs = Object.values(VERBS);
  const span = Math.max(1, pop.lastAt - pop.firstAt);
  const window = (i: number) => {
    const from = pop.firstAt + ((i * 0.137) % 0.8) * span;
    return { since: new Date(from).toISOString(), until: new Date(from + span * 0.1).toISOString() };
  };
  return [
    { name: 'no filter', params: () => ({ ...lim }) },
    { name: 'agent', params: (i) => ({ agent: at(pop.agents, i), ...lim }) },
    { name: 'agent + related_agents', params: (i) => ({ agent: at(pop.agents, i), related_agents: 'true', ...lim }) },
    { name: 'verb', params: (i) => ({ verb: verbs[i % verbs.length] as string, ...lim }) },
    { name: 'activity', params: (i) => ({ activity: at(pop.activities, i), ...lim }) },
    { name: 'activity + related_activities', params: (i) => ({ activity: (gen.courses[i % gen.courses.length] as { id: string }).id, related_activities: 'true', ...lim }) },
    { name: 'registration', params: (i) => ({ registration: at(pop.registrations, i), ...lim }) },
    { name: 'since + until', params: (i) => ({ ...window(i), ...lim }) },
    { name: 'ascending', params: () => ({ ascending: 'true', ...lim }) },
    { name: 'more page', params: (i) => ({ more: moreTokens[i % moreTokens.length] as string }) },
    { name: 'statementId', params: (i) => ({ statementId: at(pop.ids, i) }) },
  ];
}

async function runQueries(port: number, col: Collection<StatementDoc>, list: Shape[]): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const shape of list) {
    const api: number[] = [];
    const raw: number[] = [];
    let rows = 0;
    // Interleaved, so drift in the server (GC, background work) hits both sides alike.
    for (let i = 0; i < QUERY_WARMUP + QUERY_REPS; i++) {
      const p = shape.params(i);
      const r = await request(port, 'GET', `/xapi/statements?${queryString(p)}`);
      expectOk(r, `GET /xapi/statements (${shape.name})`);
      const t0 = performance.now();
      await rawRead(col, p);
      const rawMs = performance.now() - t0;
      if (i < QUERY_WARMUP) continue;
      api.push(r.ms);
      raw.push(rawMs);
      if (i === QUERY_WARMUP) {
        const body = JSON.parse(r.body) as { statements?: unknown[] };
        rows = Array.isArray(body.statements) ? body.statements.length : 1;
      }
    }
    const a = latencyOf(api);
    const w = latencyOf(raw);
    const ratioP95 = r2(a.p95 / w.p95);
    results.push({ shape: shape.name, api: a, raw: w, ratioP95, pass: ratioP95 <= TARGET_QUERY_RATIO, rows });
    progress(`query ${shape.name}: API p95 ${a.p95} ms, raw p95 ${w.p95} ms`);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Report

function pad(s: string | number, n: number, left = false): string {
  const t = String(s);
  return left ? t.padEnd(n) : t.padStart(n);
}

async function main(): Promise<void> {
  const started = new Date();
  const mongo = new MongoClient(MONGODB_URI, { maxPoolSize: 50, appName: 'lrs-bench' });
  await mongo.connect();
  const build = await mongo.db('admin').command({ buildInfo: 1 }).catch(() => ({} as Document));
  const serverVersion = String(build.version ?? 'unknown');
  const rawCol = mongo.db(RAW_DB).collection<StatementDoc & { batch?: string }>('statements');
  const rawLookupCol = mongo.db(RAW_DB).collection<StatementDoc & { batch?: string }>('statements_lookups');
  await rawCol.createIndexes(STATEMENT_INDEXES);
  await rawLookupCol.createIndexes(STATEMENT_INDEXES);
  const apiCol = mongo.db(API_DB).collection<StatementDoc>('statements');

  progress(`MongoDB ${redacted(MONGODB_URI)} (version ${serverVersion}), Redis ${redacted(REDIS_URL)}`);
  progress(`scale ${SCALE}, concurrency ${CONCURRENCY}, query set ${QUERY_SET}, ${QUERY_REPS} requests per query shape${MILLION ? ', then a million-statement ingest' : ''}`);
  const api = await startApi({ db: API_DB, queuePrefix: QUEUE_PREFIX, credentials: CREDENTIALS });
  const pid = api.pid;
  const rss = new RssSampler(pid);
  // The stand-in's memory, when scripts/bench.sh started it (for context only).
  const standInPid = Number(process.env.BENCH_STAND_IN_PID);
  const standInRss = standInPid > 0 ? new RssSampler(standInPid) : undefined;
  pids.api = pid;
  if (standInPid > 0) pids.mongo = standInPid;
  progress(`API started as pid ${pid} on port ${api.port}, RSS ${rss.last.toFixed(0)} MB`);

  const gen = statementGenerator({ seed: 42 });
  const rawGen = statementGenerator({ seed: 4242 });
  const pop = new Population();
  const sample = gen.batch(200).map((s) => Buffer.byteLength(JSON.stringify(s)));
  const avgBytes = Math.round(sample.reduce((a, b) => a + b, 0) / sample.length);

  const memoryPhases: Array<{ phase: string; statementsAfter: number; peakRssMb: number }> = [];
  const endPhase = (phase: string) => memoryPhases.push({ phase, statementsAfter: pop.viaApi, peakRssMb: r2(rss.phase()) });
  const rssAtStart = r2(rss.last);
  rss.phase();

  let exitCode = 0;
  const report: Record<string, unknown> = {};
  try {
    // Writes: API, then the raw driver with the same count, per batch size.
    const writes: Array<Record<string, unknown>> = [];
    for (const batchSize of [1, 10, 100]) {
      const count = WRITE_COUNTS[batchSize] as number;
      progress(`writes, batches of ${batchSize}: API (${count} statements, at most ${WRITE_PHASE_CAP_S} s)`);
      const a = await apiWrites(api.port, gen, pop, batchSize, count, WRITE_PHASE_CAP_S);
      endPhase(`writes, batches of ${batchSize}`);
      progress(`writes, batches of ${batchSize}: raw insertMany (${a.statements} statements)`);
      const w = await rawWrites(rawCol, rawGen, batchSize, a.statements, false);
      const wl = await rawWrites(rawLookupCol, rawGen, batchSize, a.statements, true);
      const ratio = r2(a.perSecond / w.perSecond);
      writes.push({
        batchSize, api: a, raw: w, rawWithLookups: wl, ratio, ratioToRawWithLookups: r2(a.perSecond / wl.perSecond),
        target: batchSize === 100 ? `>= ${TARGET_WRITE_RATIO}` : undefined,
        pass: batchSize === 100 ? ratio >= TARGET_WRITE_RATIO : undefined,
      });
    }
    report.writes = writes;

    // Load the query set, then the query shapes.
    let load: Record<string, unknown>;
    if (LOAD_VIA_API) {
      progress(`loading the API up to ${QUERY_SET} statements for the queries (through the API)`);
      load = { viaApi: await ingest(api.port, gen, pop, QUERY_SET - (pop.total - pop.viaApi), 'load', rss) };
    } else {
      progress(`topping the API's collection up to ${QUERY_SET} statements with the documents it would store (driver insertMany)`);
      load = { viaDriver: await topUp(apiCol, gen, pop, QUERY_SET) };
    }
    endPhase('load for queries');
    const apiCount = await apiCol.countDocuments({ store: DEFAULT_STORE });
    const moreTokens = await collectMoreTokens(api.port, 20);
    const queries = await runQueries(api.port, apiCol, shapes(gen, pop, moreTokens));
    endPhase('queries');
    report.queries = queries;
    report.querySet = { statements: apiCount, load };

    let million: Record<string, unknown> | undefined;
    if (MILLION) {
      progress(`posting statements in batches of 100 until ${MILLION_TARGET.toLocaleString('en')} went through the API${MILLION_KEEP > 0 ? ` (keeping about ${MILLION_KEEP} in the collection)` : ''}`);
      const ing = await ingest(api.port, gen, pop, MILLION_TARGET, 'million', rss, MILLION_KEEP > 0 ? { col: apiCol, keep: MILLION_KEEP } : undefined);
      endPhase('million ingest');
      million = { ...ing, throughApi: pop.viaApi, keptInCollection: MILLION_KEEP > 0 ? MILLION_KEEP : 'all', collectionAtEnd: await apiCol.countDocuments({ store: DEFAULT_STORE }), peakRssMb: r2(memoryPhases[memoryPhases.length - 1]!.peakRssMb) };
      report.million = million;
    }
    rss.sample();
    const memory = {
      rssAtStartMb: rssAtStart,
      peakRssMb: r2(rss.peak),
      rssAtEndMb: r2(rss.last),
      statementsThroughApi: pop.viaApi,
      phases: memoryPhases,
      target: `< ${TARGET_RSS_MB} MB through ${MILLION_TARGET.toLocaleString('en')} statements`,
      pass: rss.available ? rss.peak < TARGET_RSS_MB : undefined,
      millionRun: MILLION,
    };
    report.memory = memory;

    // ----- print
    out('');
    out(`Statements benchmark — ${started.toISOString()}`);
    out(`MongoDB server: ${serverVersion} at ${redacted(MONGODB_URI)}; Node ${process.version}; ${CONCURRENCY} concurrent clients; scale ${SCALE}`);
    out(`Generated statements average ${avgBytes} bytes of JSON.`);
    out('Figures against a test stand-in describe the stand-in; the ratios against the raw driver are what count.');
    out('');
    out('Writes (POST /xapi/statements vs raw insertMany of equivalent documents, same server, same concurrency)');
    out(`${pad('batch', 6)} ${pad('API st/s', 10)} ${pad('p50 ms', 8)} ${pad('p95 ms', 8)} ${pad('raw st/s', 10)} ${pad('p50 ms', 8)} ${pad('p95 ms', 8)} ${pad('API/raw', 8)} ${pad('raw+lookups st/s', 17)} ${pad('API/(raw+lookups)', 18)}`);
    for (const w of writes as Array<{ batchSize: number; api: WriteResult; raw: WriteResult; rawWithLookups: WriteResult; ratio: number; ratioToRawWithLookups: number }>) {
      out(`${pad(w.batchSize, 6)} ${pad(w.api.perSecond.toFixed(0), 10)} ${pad(w.api.latency.p50, 8)} ${pad(w.api.latency.p95, 8)} ${pad(w.raw.perSecond.toFixed(0), 10)} ${pad(w.raw.latency.p50, 8)} ${pad(w.raw.latency.p95, 8)} ${pad(w.ratio.toFixed(2), 8)} ${pad(w.rawWithLookups.perSecond.toFixed(0), 17)} ${pad(w.ratioToRawWithLookups.toFixed(2), 18)}`);
    }
    out('CPU ms per statement stored (API process / MongoDB server / load generator):');
    const cpuText = (c: WriteResult['cpuMsPerStatement']) => `${c.api ?? '-'} / ${c.mongo ?? '-'} / ${c.bench}`;
    for (const w of writes as Array<{ batchSize: number; api: WriteResult; raw: WriteResult; rawWithLookups: WriteResult }>) {
      out(`  batch ${pad(w.batchSize, 3)}: API ${cpuText(w.api.cpuMsPerStatement)}; raw insertMany ${cpuText(w.raw.cpuMsPerStatement)}; raw+lookups ${cpuText(w.rawWithLookups.cpuMsPerStatement)}`);
    }
    const w100 = (writes as Array<{ batchSize: number; ratio: number; pass?: boolean }>).find((w) => w.batchSize === 100)!;
    out(`${w100.pass ? 'PASS' : 'FAIL'} writes: batches of 100 reach ${w100.ratio.toFixed(2)} x raw insertMany throughput (target >= ${TARGET_WRITE_RATIO})`);
    out('');
    out(`Queries (GET /xapi/statements, limit=${QUERY_LIMIT}, ${apiCount} statements stored; raw find with the same filter, sort and limit; ${QUERY_REPS} requests each, one at a time)`);
    out(`${pad('shape', 30, true)} ${pad('rows', 5)} ${pad('API p50', 8)} ${pad('API p95', 8)} ${pad('raw p50', 8)} ${pad('raw p95', 8)} ${pad('p95 ratio', 9)}`);
    for (const q of queries) {
      out(`${pad(q.shape, 30, true)} ${pad(q.rows, 5)} ${pad(q.api.p50, 8)} ${pad(q.api.p95, 8)} ${pad(q.raw.p50, 8)} ${pad(q.raw.p95, 8)} ${pad(q.ratioP95.toFixed(2), 9)}`);
    }
    for (const q of queries) out(`${q.pass ? 'PASS' : 'FAIL'} query ${q.shape}: API p95 is ${q.ratioP95.toFixed(2)} x raw find p95 (target <= ${TARGET_QUERY_RATIO})`);
    out('');
    out(`Memory (API process RSS, sampled every 200 ms): ${rssAtStart.toFixed(0)} MB at start, peak ${rss.peak.toFixed(0)} MB, ${rss.last.toFixed(0)} MB at the end, over ${pop.viaApi.toLocaleString('en')} statements posted through the API`);
    for (const p of memoryPhases) out(`  ${pad(p.phase, 28, true)} peak ${p.peakRssMb.toFixed(0)} MB (after ${p.statementsAfter.toLocaleString('en')} statements through the API)`);
    if (million) {
      out(`  million ingest: ${(million.statements as number).toLocaleString('en')} statements posted in ${(million.seconds as number).toFixed(0)} s (${(million.perSecond as number).toFixed(0)} st/s); ${MILLION_KEEP > 0 ? `the collection was pruned to about ${MILLION_KEEP} statements as it went (${million.collectionAtEnd as number} at the end)` : `${million.collectionAtEnd as number} statements stored at the end`}`);
    }
    if (!rss.available) out('SKIP memory: /proc is not available on this system');
    else if (MILLION) out(`${memory.pass ? 'PASS' : 'FAIL'} memory: peak RSS ${rss.peak.toFixed(0)} MB through ${pop.viaApi.toLocaleString('en')} statements (target < ${TARGET_RSS_MB} MB through a million)`);
    else out(`${memory.pass ? 'PASS' : 'FAIL'} memory (partial): peak RSS ${rss.peak.toFixed(0)} MB through ${pop.viaApi.toLocaleString('en')} statements; the target is < ${TARGET_RSS_MB} MB through a million (run with BENCH_MILLION=1)`);
  } catch (err) {
    exitCode = 1;
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    report.error = (err as Error).message;
  } finally {
    rss.stop();
    standInRss?.stop();
    if (standInRss?.available) report.standInPeakRssMb = r2(standInRss.peak);
    await api.stop();
    agent.destroy();
    Object.assign(report, {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      settings: { scale: SCALE, concurrency: CONCURRENCY, million: MILLION, writeCounts: WRITE_COUNTS, writePhaseCapSeconds: WRITE_PHASE_CAP_S, querySet: QUERY_SET, queryRepetitions: QUERY_REPS, queryLimit: QUERY_LIMIT },
      server: { mongodbVersion: serverVersion, node: process.version, averageStatementBytes: avgBytes },
    });
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
    out(`\nJSON results: ${path.relative(process.cwd(), RESULTS) || RESULTS}`);
    await cleanUp(mongo);
  }
  process.exit(exitCode);
}

/** Drops the bench databases and the bench's BullMQ queue (they may live on shared servers). */
async function cleanUp(mongo: MongoClient): Promise<void> {
  await Promise.allSettled([mongo.db(API_DB).dropDatabase(), mongo.db(RAW_DB).dropDatabase()]);
  await mongo.close().catch(() => undefined);
  await obliterateQueue(QUEUE_PREFIX, 60_000);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
