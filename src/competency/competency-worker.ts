import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { SCORING_QUEUE, type ScoringJobData } from '../queue/scoring-queue';
import type { StoreStatementsService } from '../statements/statements.service';
import { competencyPipeline, type PipelineDeps } from './competency-pipeline';
import { rebuildProcessor, REBUILD_QUEUE, type RebuildJobData, type RebuildOptions } from './rebuild';
import { scoreStatementProcessor } from './score-statement.processor';
import { listRegisteredStores, listStores, sweepStore, withSweepLock, type SweepReport } from './sweep';
import { WRITEBACK_QUEUE, type Announcement } from './write-back';
import type { WorkerConfig } from './worker-config';

export interface CompetencyWorkerOptions {
  db: Db;
  /** For write-back statements; omit to run without write-back. */
  statementsService?: StoreStatementsService;
  redisUrl: string;
  queuePrefix: string;
  worker: WorkerConfig;
  logger: Logger;
  /** Rebuild tuning (tests shorten the grace period). */
  rebuild?: Omit<RebuildOptions, 'store' | 'onProgress'>;
  /** Extra BullMQ worker settings, e.g. a short `stalledInterval` in tests of crashed workers. */
  bullmq?: { stalledInterval?: number; maxStalledCount?: number };
  /** Fault injection for tests (see `PipelineDeps.afterEvidence`). */
  afterEvidence?: PipelineDeps['afterEvidence'];
  now?: () => Date;
}

export interface CompetencyWorker {
  pipeline: PipelineDeps;
  scoring: Worker<ScoringJobData>;
  rebuild: Worker<RebuildJobData>;
  writeback: Worker<Announcement>;
  /** The producer side of `competency-writeback` (tests wait on its counts). */
  writebackQueue: Queue<Announcement>;
  /**
   * Runs one sweep of every store now (no lock); `now` moves the clock for expiry tests; `scan:
   * false` skips reading MongoDB for statements still marked (what most interval sweeps do).
   */
  sweepOnce(now?: Date, options?: { scan?: boolean }): Promise<SweepReport[]>;
  /** Stops taking jobs and waits for running ones (`force`: abandons them, as a crash would). */
  close(force?: boolean): Promise<void>;
}

/**
 * The competency worker: BullMQ workers for `score-statements`, `rebuild-store` and
 * `competency-writeback` (validation and expiry statements, stored off the scoring path), and the
 * periodic sweep. The sweep is a plain interval in every worker process guarded by a Redis lock
 * rather than a BullMQ job scheduler, because it must start working again as soon as Redis is back
 * even if Redis lost its data (a scheduler lives in Redis and would be gone until a restart).
 */
export async function startCompetencyWorker(opts: CompetencyWorkerOptions): Promise<CompetencyWorker> {
  const { logger } = opts;
  // BullMQ workers need `maxRetriesPerRequest: null` (their blocking commands must wait out outages).
  const connection = new IORedis(opts.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (err) => logger.warn({ err: err.message }, 'competency worker: Redis connection error'));
  const writebackQueue = new Queue<Announcement>(WRITEBACK_QUEUE, { connection, prefix: opts.queuePrefix });
  writebackQueue.on('error', (err) => logger.warn({ err: err.message }, 'write-back queue error'));
  const announce = async (a: Announcement) => {
    await writebackQueue.add(a.kind, a, { jobId: `${a.store}__${a.id}`, attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 5000 });
  };
  const pipeline = competencyPipeline({ db: opts.db, statementsService: opts.statementsService, logger, scoringSetTtlMs: opts.worker.scoringSetTtlMs, afterEvidence: opts.afterEvidence, now: opts.now, announce: opts.statementsService ? announce : undefined });
  await pipeline.ensureIndexes();

  const common = { connection, prefix: opts.queuePrefix, lockDuration: opts.worker.lockDurationMs, ...opts.bullmq };
  const scoring = new Worker<ScoringJobData>(SCORING_QUEUE, scoreStatementProcessor(pipeline), { ...common, concurrency: opts.worker.concurrency });
  const rebuildOptions = { settleMs: opts.worker.scoringSetTtlMs + 500, graceMs: opts.worker.scoringSetTtlMs + 500, ...opts.rebuild };
  const rebuild = new Worker<RebuildJobData>(REBUILD_QUEUE, rebuildProcessor(pipeline, rebuildOptions), { ...common, concurrency: 1 });
  const storeAnnouncement = pipeline.storeAnnouncement;
  const writeback = new Worker<Announcement>(WRITEBACK_QUEUE, async (job) => (storeAnnouncement ? storeAnnouncement(job.data) : null), { ...common, concurrency: 4 });
  for (const w of [scoring, rebuild, writeback]) {
    w.on('error', (err) => logger.warn({ err: err.message, queue: w.name }, 'competency worker error'));
    w.on('failed', (job, err) => logger.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
  }
  const sweepQueue = new Queue<ScoringJobData>(SCORING_QUEUE, { connection, prefix: opts.queuePrefix });
  sweepQueue.on('error', (err) => logger.warn({ err: err.message }, 'sweep queue error'));

  // When the sweep last read MongoDB for statements still marked, and the stores it found then.
  let lastScanAt: number | undefined;
  let lastScanFoundWork = false;
  let knownStores: string[] = [];
  const redisEpochKey = `${opts.queuePrefix}:competency:redis-epoch`;

  /**
   * Whether this sweep reads MongoDB for statements still marked (a scan of the statements on the
   * stand-in, which stalls writes): when something may have been lost (first sweep of this
   * process, an API process could not enqueue, Redis lost its data, the last read found work), and
   * at least every `sweepScanIntervalMs` in any case.
   */
  async function scanDue(at: number): Promise<boolean> {
    const every = opts.worker.sweepScanIntervalMs;
    let due = lastScanAt === undefined || lastScanFoundWork || at - lastScanAt >= every;
    // A key every worker sets and nothing deletes: gone means Redis lost its data (jobs too).
    if ((await connection.set(redisEpochKey, String(at), 'NX')) === 'OK' && lastScanAt !== undefined) due = true;
    const requested = await pipeline.writebacks.scanRequestedAt();
    // Statements younger than the minimum age at the last scan were left alone by it.
    if (requested !== undefined && (lastScanAt === undefined || requested.getTime() >= lastScanAt - opts.worker.sweepMinAgeMs)) due = true;
    return due;
  }

  /** One sweep of every store; `scan` (default: always, for direct calls) reads MongoDB for statements still marked. */
  async function sweepOnce(now?: Date, options: { scan?: boolean } = {}): Promise<SweepReport[]> {
    const at = Date.now();
    const scan = options.scan ?? true;
    const reports: SweepReport[] = [];
    // Stores named only by statements are found by a scan; between scans the last ones are kept.
    const stores = scan ? await listStores(opts.db) : [...new Set([...knownStores, ...(await listRegisteredStores(opts.db))])].sort();
    for (const store of stores) {
      const r = await sweepStore(pipeline, { store, queue: sweepQueue, now, scan, minAgeMs: opts.worker.sweepMinAgeMs, batch: opts.worker.sweepBatch });
      if (r.enqueued + r.requeued + r.retried + r.expired + r.deferred > 0) logger.info(r, 'sweep');
      reports.push(r);
    }
    if (scan) {
      knownStores = stores;
      lastScanAt = at;
      lastScanFoundWork = reports.some((r) => r.enqueued + r.requeued + r.retried + r.deferred > 0);
    }
    return reports;
  }

  let sweeping = false;
  const interval = opts.worker.sweepIntervalMs;
  const timer = interval > 0 ? setInterval(() => {
    if (sweeping || connection.status !== 'ready') return;
    sweeping = true;
    withSweepLock(connection, `${opts.queuePrefix}:competency:sweep-lock`, interval, async () => sweepOnce(undefined, { scan: await scanDue(Date.now()) }))
      .catch((err: Error) => logger.warn({ err: err.message }, 'sweep failed; next interval retries'))
      .finally(() => { sweeping = false; });
  }, interval) : undefined;
  timer?.unref();

  return {
    pipeline,
    scoring,
    rebuild,
    writeback,
    writebackQueue,
    sweepOnce,
    async close(force = false) {
      if (timer) clearInterval(timer);
      await withTimeout(force ? 2000 : 30_000, Promise.all([scoring.close(force), rebuild.close(force), writeback.close(force)])).catch(() => undefined);
      await withTimeout(2000, Promise.all([sweepQueue.close(), writebackQueue.close()])).catch(() => undefined);
      connection.disconnect();
    },
  };
}

function withTimeout<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
