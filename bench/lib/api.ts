/**
 * The LRS API as a child process of a benchmark (`node dist/src/server.js`), so its memory can be
 * sampled and it does not share an event loop with the load generator; and the bench's own
 * credentials and BullMQ keys.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { SCORING_QUEUE } from '../../src/queue/scoring-queue';
import { httpRequest } from './http';
import { freePort, MONGODB_URI, REDIS_URL, ROOT, sleep } from './process';

export interface Credentials {
  key: string;
  secret: string;
  /** The Basic Authorization header value. */
  auth: string;
}

/** The API's default credentials for a run: the given key, a random secret. */
export function benchCredentials(key: string): Credentials {
  const secret = `bench-${randomBytes(12).toString('hex')}`;
  return { key, secret, auth: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` };
}

export interface ApiOptions {
  /** MONGODB_DB: the database of the API's own. */
  db: string;
  /** LRS_QUEUE_PREFIX: keeps the API's BullMQ keys apart from other runs'. */
  queuePrefix: string;
  /** LRS_API_KEY_DEFAULT / LRS_API_SECRET_DEFAULT. */
  credentials: Credentials;
  /** More environment, over the rest (e.g. LRS_ATTACHMENT_MAX_BYTES, or LRS_LOG_LEVEL instead of warn). */
  env?: Record<string, string>;
  /** What is polled until it answers 200. @defaultValue '/xapi/about' */
  readyPath?: string;
  /** Where the API's stdout (JSON log lines) goes: this process's stderr, off the report, or its stdout. @defaultValue 'stderr' */
  logsTo?: 'stderr' | 'stdout';
}

export interface ApiProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Resolves with the exit code when the process exits. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL when it has not exited 20 s later. */
  stop(): Promise<void>;
}

/**
 * Starts the API on a free port against MONGODB_URI and REDIS_URL, with BENCH_API_NODE_ARGS as
 * extra node arguments (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), and waits up to 60 s for
 * `readyPath` to answer 200. If it does not, the process is stopped and this throws.
 */
export async function startApi(opts: ApiOptions): Promise<ApiProcess> {
  const port = await freePort();
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'dist/src/server.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      MONGODB_URI,
      MONGODB_DB: opts.db,
      REDIS_URL,
      LRS_QUEUE_PREFIX: opts.queuePrefix,
      LRS_API_KEY_DEFAULT: opts.credentials.key,
      LRS_API_SECRET_DEFAULT: opts.credentials.secret,
      LRS_LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', opts.logsTo === 'stdout' ? 'inherit' : 'pipe', 'inherit'],
  });
  // The API logs JSON lines on stdout; by default they are kept off the benchmark's report.
  child.stdout?.pipe(process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => { dead = true; });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if ((await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)])) === 'timeout') child.kill('SIGKILL');
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (dead) throw new Error('the API process exited during start-up (see its output above)');
    try {
      if ((await httpRequest(port, { path: opts.readyPath ?? '/xapi/about', auth: opts.credentials.auth, version: '2.0.0' })).status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the API did not answer ${opts.readyPath ?? '/xapi/about'} within 60 s`);
    }
    await sleep(100);
  }
  return { child, pid: child.pid as number, port, exited, stop };
}

/** Removes the scoring queue of a run (its BullMQ keys under `prefix`), giving up after `timeoutMs`. */
export async function obliterateQueue(prefix: string, timeoutMs: number): Promise<void> {
  const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  connection.on('error', () => undefined);
  const queue = new Queue(SCORING_QUEUE, { connection, prefix });
  await Promise.race([queue.obliterate({ force: true }).catch(() => undefined), sleep(timeoutMs)]);
  await queue.close().catch(() => undefined);
  connection.disconnect();
}
