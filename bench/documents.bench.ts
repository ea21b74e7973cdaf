/**
 * Benchmark of the State resource (issue 3), run by `npm run bench` (scripts/bench.sh) after the
 * statements benchmark, or alone: `node dist/bench/documents.bench.js` with MONGODB_URI/REDIS_URL.
 *
 * The resume-data pattern of authoring tools: each learner repeatedly saves its state and reads it
 * back. One round trip is a PUT of a new version followed by a GET of it, through the API (a child
 * process, `node dist/src/server.js`), set against the raw MongoDB driver doing the same work on
 * the same server in the same run: an upsert of an equivalent document, then a find of it. Against
 * the test stand-in absolute numbers describe the stand-in; the ratio describes us.
 *
 * Patterns:
 *   1.0.3 resume  PUT without concurrency headers (State permits it in 1.0.3: last writer wins)
 *   2.0 resume    PUT with If-Match set to the ETag the previous PUT returned (2.0 requires it)
 *
 * Environment:
 *   MONGODB_URI, REDIS_URL  servers to use (scripts/bench.sh starts local ones when absent)
 *   BENCH_SCALE             multiplies the number of round trips (default 1: 1,500 per pattern and side)
 *   BENCH_CONCURRENCY       learners saving at the same time (default 4)
 *   BENCH_DOCS_RESULTS      where to write the JSON results (default bench/results/documents.json)
 *   BENCH_API_NODE_ARGS     extra node arguments for the API process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 *
 * Exit code 0 even when the target is missed (FAIL lines say so); non-zero only when the bench crashed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Binary, MongoClient, type Collection, type Document } from 'mongodb';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { SCORING_QUEUE } from '../src/queue/scoring-queue';
import { DEFAULT_STORE } from '../src/auth/credentials.repository';
import { agentIfiKey } from '../src/statements/model/agent-ifi';

const ROOT = path.resolve(__dirname, '../..');
const SCALE = positive(process.env.BENCH_SCALE, 1);
const CONCURRENCY = Math.max(1, Math.round(positive(process.env.BENCH_CONCURRENCY, 4)));
const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RESULTS = process.env.BENCH_DOCS_RESULTS ?? path.join(ROOT, 'bench/results/documents.json');
const KEY = 'bench-docs-key';
const SECRET = `bench-${randomBytes(12).toString('hex')}`;
const AUTH = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
const SUFFIX = randomBytes(4).toString('hex');
const API_DB = `bench_docs_${SUFFIX}`;
const RAW_DB = `bench_docs_raw_${SUFFIX}`;
const QUEUE_PREFIX = `bench-docs-${SUFFIX}`;
const ROUND_TRIPS = Math.max(50, Math.round(1500 * SCALE));
const WARMUP = 300;
const TARGET_RATIO = 3;

function positive(v: string | undefined, dflt: number): number {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) && n > 0 ? n : dflt;
}
const out = (line = '') => process.stdout.write(`${line}\n`);
const progress = (line: string) => process.stderr.write(`[bench documents] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const r2 = (n: number) => Math.round(n * 100) / 100;

interface Latency { n: number; p50: number; p95: number; mean: number }
function latencyOf(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: r2(at(0.5)), p95: r2(at(0.95)), mean: r2(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}

// ---------------------------------------------------------------------------------------------
// The API child process and a keep-alive HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
interface HttpResult { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

function request(port: number, opts: { method: string; path: string; version?: string; body?: Buffer; contentType?: string; headers?: Record<string, string> }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'X-Experience-API-Version': opts.version ?? '2.0.0', Authorization: AUTH, ...opts.headers };
    if (opts.body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = opts.body.length;
    }
    const req = http.request({ host: '127.0.0.1', port, method: opts.method, path: opts.path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function expectStatus(r: HttpResult, status: number, what: string): void {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startApi(): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
  const port = await freePort();
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'dist/src/server.js')], {
    cwd: ROOT,
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', MONGODB_URI, MONGODB_DB: API_DB, REDIS_URL,
      LRS_QUEUE_PREFIX: QUEUE_PREFIX, LRS_API_KEY_DEFAULT: KEY, LRS_API_SECRET_DEFAULT: SECRET, LRS_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.pipe(process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => { dead = true; });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (dead) throw new Error('the API process exited during start-up (see its output above)');
    try {
      if ((await request(port, { method: 'GET', path: '/xapi/about' })).status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error('the API did not answer /xapi/about within 60 s');
    await sleep(100);
  }
  return { child, port, exited };
}

// ---------------------------------------------------------------------------------------------
// The workload: learners saving and restoring resume data

interface Learner { agent: Record<string, unknown>; activityId: string; registration: string; query: string; etag?: string; version: number }

function learners(count: number): Learner[] {
  return Array.from({ length: count }, (_, i) => {
    const agent = { objectType: 'Agent', name: `Learner ${i}`, mbox: `mailto:learner${i}-${SUFFIX}@example.com` };
    const activityId = `http://example.com/courses/safety-${i % 7}`;
    const registration = randomUUID();
    const query = new URLSearchParams({ activityId, agent: JSON.stringify(agent), registration, stateId: 'resume' }).toString();
    return { agent, activityId, registration, query, version: 0 };
  });
}

/** Storyline-like suspend data: a JSON object of a few hundred bytes that grows with progress. */
function resumeData(l: Learner): Buffer {
  l.version++;
  const slide = l.version % 40;
  return Buffer.from(JSON.stringify({ bookmark: `scene1_slide${slide}`, visited: Array.from({ length: slide }, (_, i) => i), score: slide * 2.5, suspend: randomBytes(96).toString('base64') }));
}

/**
 * Runs `rounds` round trips with CONCURRENCY workers. Each worker cycles through learners of its
 * own (index ≡ worker mod CONCURRENCY), so no learner is saved by two workers at once.
 */
async function run(ls: Learner[], rounds: number, roundTrip: (l: Learner) => Promise<void>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const perWorker = Math.floor(ls.length / CONCURRENCY);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => {
    for (let k = 0; next < rounds; k++) {
      next++;
      const l = ls[w + CONCURRENCY * (k % perWorker)] as Learner;
      const s = performance.now();
      await roundTrip(l);
      latencies.push(performance.now() - s);
    }
  }));
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}

function apiRoundTrip(port: number, version: '1.0.3' | '2.0.0') {
  return async (l: Learner): Promise<void> => {
    const body = resumeData(l);
    const headers: Record<string, string> = {};
    if (version === '2.0.0') headers[l.etag ? 'If-Match' : 'If-None-Match'] = l.etag ?? '*';
    const put = await request(port, { method: 'PUT', path: `/xapi/activities/state?${l.query}`, version, body, headers });
    expectStatus(put, 204, `PUT state (${version})`);
    l.etag = put.headers.etag;
    const get = await request(port, { method: 'GET', path: `/xapi/activities/state?${l.query}`, version });
    expectStatus(get, 200, `GET state (${version})`);
    if (!get.body.equals(body)) throw new Error('GET state returned other content than the PUT stored');
  };
}

/**
 * Two HTTP exchanges that touch no database (GET /xapi/about): what any HTTP API in front of the
 * same store pays on this machine for a PUT+GET, to read the ratio against.
 */
function httpFloor(port: number, version: '1.0.3' | '2.0.0') {
  return async (): Promise<void> => {
    for (let i = 0; i < 2; i++) expectStatus(await request(port, { method: 'GET', path: '/xapi/about', version }), 200, 'GET /xapi/about');
  };
}

interface RawDoc { store: string; kind: string; activityId: string; agentKey: string; registration: string; docId: string; contentType: string; content: Binary; etag: string; updated: Date }

/** The same work on the raw driver: upsert an equivalent document (same fields, index, size), then find it. */
function rawRoundTrip(col: Collection<RawDoc>) {
  return async (l: Learner): Promise<void> => {
    const body = resumeData(l);
    const key = { store: DEFAULT_STORE, kind: 'state', activityId: l.activityId, agentKey: agentIfiKey(l.agent) ?? '', registration: l.registration, docId: 'resume' };
    await col.updateOne(key, { $set: { contentType: 'application/json', content: new Binary(body), etag: createHash('sha1').update(body).digest('hex'), updated: new Date() } }, { upsert: true });
    const doc = await col.findOne(key, { projection: { _id: 0, contentType: 1, content: 1, etag: 1, updated: 1 } });
    if (!doc) throw new Error('raw find returned nothing');
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = new Date();
  const mongo = new MongoClient(MONGODB_URI, { maxPoolSize: 50, appName: 'lrs-bench-documents', writeConcern: { w: 'majority', journal: true } });
  await mongo.connect();
  const build = await mongo.db('admin').command({ buildInfo: 1 }).catch(() => ({} as Document));
  const rawCol = mongo.db(RAW_DB).collection<RawDoc>('documents');
  await rawCol.createIndex({ store: 1, kind: 1, activityId: 1, agentKey: 1, registration: 1, docId: 1 }, { unique: true });
  progress(`MongoDB ${MONGODB_URI.replace(/\/\/[^@/]*@/, '//***@')} (version ${String(build.version ?? 'unknown')}), ${ROUND_TRIPS} round trips per pattern and side, ${CONCURRENCY} learners at a time`);
  const api = await startApi();
  const report: Record<string, unknown> = {};
  let exitCode = 0;
  try {
    const patterns: Array<Record<string, unknown>> = [];
    for (const version of ['1.0.3', '2.0.0'] as const) {
      const ls = learners(Math.max(CONCURRENCY, 200));
      const rawLs = learners(Math.max(CONCURRENCY, 200));
      progress(`${version} resume pattern: warm-up`);
      await run(ls, WARMUP, apiRoundTrip(api.port, version));
      await run(rawLs, WARMUP, rawRoundTrip(rawCol));
      progress(`${version} resume pattern: API`);
      const a = await run(ls, ROUND_TRIPS, apiRoundTrip(api.port, version));
      progress(`${version} resume pattern: raw driver`);
      const r = await run(rawLs, ROUND_TRIPS, rawRoundTrip(rawCol));
      progress(`${version} resume pattern: HTTP floor (two GET /xapi/about per round trip)`);
      const f = await run(ls, ROUND_TRIPS, httpFloor(api.port, version));
      const apiL = latencyOf(a.latencies);
      const rawL = latencyOf(r.latencies);
      const floorL = latencyOf(f.latencies);
      const ratioP50 = r2(apiL.p50 / rawL.p50);
      const ratioP95 = r2(apiL.p95 / rawL.p95);
      patterns.push({
        pattern: `${version} resume (PUT+GET)`,
        api: { ...apiL, perSecond: r2(a.latencies.length / a.seconds) },
        raw: { ...rawL, perSecond: r2(r.latencies.length / r.seconds) },
        httpFloor: floorL,
        ratioP50, ratioP95, pass: ratioP95 <= TARGET_RATIO && ratioP50 <= TARGET_RATIO,
      });
    }
    report.patterns = patterns;

    out('\nState resource: PUT+GET round trip (ms) through the API vs the raw driver\'s upsert+find');
    out('pattern                  | API p50 | API p95 | raw p50 | raw p95 | ratio p50 | ratio p95 | API round trips/s | HTTP floor p50/p95');
    for (const p of patterns as Array<{ pattern: string; api: Latency & { perSecond: number }; raw: Latency; httpFloor: Latency; ratioP50: number; ratioP95: number }>) {
      out(`${p.pattern.padEnd(24)} | ${String(p.api.p50).padStart(7)} | ${String(p.api.p95).padStart(7)} | ${String(p.raw.p50).padStart(7)} | ${String(p.raw.p95).padStart(7)} | ${p.ratioP50.toFixed(2).padStart(9)} | ${p.ratioP95.toFixed(2).padStart(9)} | ${String(p.api.perSecond).padStart(17)} | ${p.httpFloor.p50}/${p.httpFloor.p95}`);
    }
    out('(HTTP floor: two GET /xapi/about, no database; what any HTTP API in front of this store pays per round trip here)');
    out();
    for (const p of patterns as Array<{ pattern: string; ratioP50: number; ratioP95: number; pass: boolean }>) {
      out(`${p.pass ? 'PASS' : 'FAIL'} state ${p.pattern}: API is ${p.ratioP50.toFixed(2)} x (p50) and ${p.ratioP95.toFixed(2)} x (p95) the raw driver (target <= ${TARGET_RATIO})`);
    }
  } catch (err) {
    exitCode = 1;
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    report.error = (err as Error).message;
  } finally {
    if (api.child.exitCode === null) {
      api.child.kill('SIGTERM');
      if ((await Promise.race([api.exited, sleep(20_000).then(() => 'timeout' as const)])) === 'timeout') api.child.kill('SIGKILL');
    }
    agent.destroy();
    Object.assign(report, {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      settings: { scale: SCALE, concurrency: CONCURRENCY, roundTrips: ROUND_TRIPS, warmup: WARMUP, targetRatio: TARGET_RATIO },
      server: { mongodbVersion: String(build.version ?? 'unknown'), node: process.version },
    });
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
    out(`\nJSON results: ${path.relative(process.cwd(), RESULTS) || RESULTS}`);
    await Promise.allSettled([mongo.db(API_DB).dropDatabase(), mongo.db(RAW_DB).dropDatabase()]);
    await mongo.close().catch(() => undefined);
    const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
    connection.on('error', () => undefined);
    const queue = new Queue(SCORING_QUEUE, { connection, prefix: QUEUE_PREFIX });
    await Promise.race([queue.obliterate({ force: true }).catch(() => undefined), sleep(30_000)]);
    await queue.close().catch(() => undefined);
    connection.disconnect();
  }
  process.exit(exitCode);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
