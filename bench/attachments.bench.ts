/**
 * Benchmark of statements with attachments (issue 3), run by `npm run bench` (scripts/bench.sh) or
 * alone: `npx tsc -p tsconfig.build.json && node dist/bench/attachments.bench.js`.
 *
 * The API runs as a child process (`node dist/src/server.js`), so its resident memory can be
 * sampled from /proc every 25 ms while a large attachment streams through it. Each upload is one
 * `POST /xapi/statements` (multipart/mixed: the statement, then BENCH_ATTACHMENT_MB of random
 * bytes, sent in 64 KiB writes as a client would), with new content every time so nothing is
 * deduplicated. The same bytes are then written by the raw driver into a GridFS bucket of another
 * database on the same server (what the API does with them, minus HTTP, parsing and hashing), and
 * read back both ways (GET ?attachments=true against a GridFS download).
 *
 * Targets: the upload raises the API's RSS by less than 30 MB over its idle RSS before the upload;
 * throughput is reported as a ratio against the raw driver (figures against the test stand-in
 * describe the stand-in).
 *
 * Environment: MONGODB_URI, REDIS_URL (scripts/bench.sh starts local ones when absent);
 * BENCH_ATTACHMENT_MB (default 50), BENCH_ATTACHMENT_RUNS (default 3),
 * BENCH_ATTACHMENT_RESULTS (default bench/results/attachments.json), BENCH_API_NODE_ARGS (extra node
 * flags for the API process, e.g. `--trace-gc`).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { GridFSBucket, MongoClient } from 'mongodb';
import { benchCredentials, startApi } from './lib/api';
import { httpRequest } from './lib/http';
import { MONGODB_URI, out, positive, progressAs, redacted, ROOT, rssMb, sleep } from './lib/process';
import { median, r1 } from './lib/stats';

const MB = 1024 * 1024;
const SIZE = Math.round(positive(process.env.BENCH_ATTACHMENT_MB, 50) * MB);
const RUNS = Math.max(1, Math.round(positive(process.env.BENCH_ATTACHMENT_RUNS, 3)));
const RESULTS = process.env.BENCH_ATTACHMENT_RESULTS ?? path.join(ROOT, 'bench/results/attachments.json');
const TARGET_RSS_INCREASE_MB = 30;
const CREDENTIALS = benchCredentials('bench-key');
const SUFFIX = randomBytes(4).toString('hex');
const API_DB = `bench_att_${SUFFIX}`;
const RAW_DB = `bench_att_raw_${SUFFIX}`;
const WRITE_SIZE = 64 * 1024;

const progress = progressAs('bench:attachments');

/** Peak RSS of a pid while `work` runs, sampled every 25 ms. */
async function peakRssDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rssMb(pid) ?? 0;
  const timer = setInterval(() => { peak = Math.max(peak, rssMb(pid) ?? 0); }, 25);
  try {
    const result = await work();
    peak = Math.max(peak, rssMb(pid) ?? 0);
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

/** The lowest RSS over an idle second: the baseline an upload is measured against. */
async function idleRss(pid: number): Promise<number> {
  let low = Infinity;
  for (let i = 0; i < 20; i++) {
    low = Math.min(low, rssMb(pid) ?? Infinity);
    await sleep(50);
  }
  return low;
}

/** A GET whose body is counted and dropped (a 50 MB answer is not kept in the bench either). */
function get(port: number, urlPath: string): Promise<{ status: number; bytes: number }> {
  return httpRequest(port, { path: urlPath, auth: CREDENTIALS.auth, version: '2.0.0', keepBody: false });
}

/** Writes `content` to `w` in WRITE_SIZE pieces, as a client would (waiting for 'drain' when asked to), then calls `end`. */
function writeInPieces(w: NodeJS.WritableStream, content: Buffer, end: () => void): void {
  let offset = 0;
  const pump = (): void => {
    while (offset < content.length) {
      const piece = content.subarray(offset, offset + WRITE_SIZE);
      offset += piece.length;
      if (!w.write(piece)) return void w.once('drain', pump);
    }
    end();
  };
  pump();
}

/** POSTs one statement with `content` as its attachment part, writing the body in 64 KiB pieces. */
function upload(port: number, content: Buffer): Promise<{ status: number; body: string; ms: number }> {
  const sha2 = createHash('sha256').update(content).digest('hex');
  const statement = {
    id: randomUUID(),
    actor: { mbox: 'mailto:bench@example.com', name: 'Bench' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
    object: { id: `http://example.com/bench/${randomUUID()}` },
    attachments: [{ usageType: 'http://id.tincanapi.com/attachment/supporting_media', display: { en: 'bench' }, contentType: 'application/octet-stream', length: content.length, sha2 }],
  };
  const boundary = `bench-${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(statement)}\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${sha2}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({
      host: '127.0.0.1', port, method: 'POST', path: '/xapi/statements',
      headers: { 'X-Experience-API-Version': '2.0.0', Authorization: CREDENTIALS.auth, 'Content-Type': `multipart/mixed; boundary=${boundary}`, 'Content-Length': head.length + content.length + tail.length },
    }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.write(head);
    writeInPieces(req, content, () => req.end(tail));
  });
}

async function main(): Promise<void> {
  progress(`API in a child process, ${RUNS} uploads of ${SIZE / MB} MB, database ${API_DB}`);
  const api = await startApi({
    db: API_DB,
    queuePrefix: `bench-att-${SUFFIX}`,
    credentials: CREDENTIALS,
    env: { LRS_ATTACHMENT_MAX_BYTES: String(SIZE + 4 * MB) },
  });
  const pid = api.pid;
  const client = await MongoClient.connect(MONGODB_URI);
  const rawBucket = new GridFSBucket(client.db(RAW_DB), { bucketName: 'attachments' });
  const results: Record<string, unknown> = { sizeMb: SIZE / MB, runs: RUNS, mongodbUri: redacted(MONGODB_URI) };
  try {
    // Warm-up: modules loaded, connection pools and GridFS indexes in place.
    const warm = await upload(api.port, randomBytes(512 * 1024));
    if (warm.status !== 200) throw new Error(`warm-up upload: HTTP ${warm.status} ${warm.body}`);

    const uploads: Array<{ ms: number; baseline: number; peak: number }> = [];
    const raws: number[] = [];
    const downloads: Array<{ ms: number; peak: number; baseline: number; bytes: number }> = [];
    const rawDownloads: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const content = randomBytes(SIZE);
      const baseline = await idleRss(pid);
      const { result, peak } = await peakRssDuring(pid, () => upload(api.port, content));
      if (result.status !== 200) throw new Error(`upload: HTTP ${result.status} ${result.body}`);
      const [id] = JSON.parse(result.body) as [string];
      uploads.push({ ms: result.ms, baseline, peak });
      progress(`upload ${run + 1}: ${r1(result.ms)} ms, RSS ${r1(baseline)} → peak ${r1(peak)} MB`);

      // The raw driver writes the same bytes into GridFS, in the same 64 KiB pieces.
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const stream = rawBucket.openUploadStream(`raw-${run}`);
        stream.once('error', reject).once('finish', () => resolve());
        writeInPieces(stream, content, () => stream.end());
      });
      raws.push(performance.now() - t0);

      const dBase = await idleRss(pid);
      const d0 = performance.now();
      const dl = await peakRssDuring(pid, () => get(api.port, `/xapi/statements?statementId=${id}&attachments=true`));
      if (dl.result.status !== 200 || dl.result.bytes < SIZE) throw new Error(`download: HTTP ${dl.result.status}, ${dl.result.bytes} bytes`);
      downloads.push({ ms: performance.now() - d0, peak: dl.peak, baseline: dBase, bytes: dl.result.bytes });
      const rd0 = performance.now();
      let rawBytes = 0;
      for await (const chunk of rawBucket.openDownloadStreamByName(`raw-${run}`)) rawBytes += (chunk as Buffer).length;
      if (rawBytes !== SIZE) throw new Error(`raw download: ${rawBytes} bytes`);
      rawDownloads.push(performance.now() - rd0);
    }

    const mbps = (ms: number) => r1(SIZE / MB / (ms / 1000));
    const increase = Math.max(...uploads.map((u) => u.peak - u.baseline));
    const downloadIncrease = Math.max(...downloads.map((d) => d.peak - d.baseline));
    const apiUp = mbps(median(uploads.map((u) => u.ms))!);
    const rawUp = mbps(median(raws)!);
    const apiDown = mbps(median(downloads.map((d) => d.ms))!);
    const rawDown = mbps(median(rawDownloads)!);
    Object.assign(results, {
      upload: { apiMBps: apiUp, rawGridFsMBps: rawUp, ratio: r1((apiUp / rawUp) * 100) / 100, rssIncreaseMb: r1(increase), runs: uploads.map((u) => ({ ms: r1(u.ms), baselineMb: r1(u.baseline), peakMb: r1(u.peak) })) },
      download: { apiMBps: apiDown, rawGridFsMBps: rawDown, ratio: r1((apiDown / rawDown) * 100) / 100, rssIncreaseMb: r1(downloadIncrease) },
    });

    out(`Attachments (${SIZE / MB} MB, median of ${RUNS}; API in a child process; raw = driver GridFS on the same server)`);
    out(`  upload    API ${apiUp} MB/s   raw GridFS ${rawUp} MB/s   ratio ${r1((apiUp / rawUp) * 100) / 100}`);
    out(`  download  API ${apiDown} MB/s   raw GridFS ${rawDown} MB/s   ratio ${r1((apiDown / rawDown) * 100) / 100}`);
    out(`  API RSS increase: upload ${r1(increase)} MB (target < ${TARGET_RSS_INCREASE_MB} MB), download ${r1(downloadIncrease)} MB`);
    out(`  ${increase < TARGET_RSS_INCREASE_MB ? 'PASS' : 'FAIL'} upload RSS increase ${r1(increase)} MB < ${TARGET_RSS_INCREASE_MB} MB`);
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    api.child.kill('SIGTERM');
    await Promise.all([client.db(API_DB).dropDatabase(), client.db(RAW_DB).dropDatabase()]).catch(() => undefined);
    await client.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`attachments benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
