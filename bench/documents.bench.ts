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
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Binary, MongoClient, type Collection, type Document } from 'mongodb';
import { DEFAULT_STORE } from '../src/auth/credentials.repository';
import { agentIfiKey } from '../src/statements/model/agent-ifi';
import { benchCredentials, obliterateQueue, startApi } from './lib/api';
import { httpRequest, type HttpRequest, type HttpResponse } from './lib/http';
import { MONGODB_URI, out, positive, progressAs, redacted, ROOT } from './lib/process';
import { latencyOf, r2, type Latency } from './lib/stats';

const SCALE = positive(process.env.BENCH_SCALE, 1);
const CONCURRENCY = Math.max(1, Math.round(positive(process.env.BENCH_CONCURRENCY, 4)));
const RESULTS = process.env.BENCH_DOCS_RESULTS ?? path.join(ROOT, 'bench/results/documents.json');
const CREDENTIALS = benchCredentials('bench-docs-key');
const SUFFIX = randomBytes(4).toString('hex');
const API_DB = `bench_docs_${SUFFIX}`;
const RAW_DB = `bench_docs_raw_${SUFFIX}`;
const QUEUE_PREFIX = `bench-docs-${SUFFIX}`;
const ROUND_TRIPS = Math.max(50, Math.round(1500 * SCALE));
const WARMUP = 300;
const TARGET_RATIO = 3;

const progress = progressAs('bench documents');

// ---------------------------------------------------------------------------------------------
// A keep-alive HTTP client for the API

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
/** A request to the API with the bench's credentials (xAPI 2.0.0 unless `version` says otherwise). */
function request(port: number, req: HttpRequest): Promise<HttpResponse> {
  return httpRequest(port, { auth: CREDENTIALS.auth, version: '2.0.0', agent, ...req });
}

function expectStatus(r: HttpResponse, status: number, what: string): void {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
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
  progress(`MongoDB ${redacted(MONGODB_URI)} (version ${String(build.version ?? 'unknown')}), ${ROUND_TRIPS} round trips per pattern and side, ${CONCURRENCY} learners at a time`);
  const api = await startApi({ db: API_DB, queuePrefix: QUEUE_PREFIX, credentials: CREDENTIALS });
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
    await api.stop();
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
    await obliterateQueue(QUEUE_PREFIX, 30_000);
  }
  process.exit(exitCode);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
