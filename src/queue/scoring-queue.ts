import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { Logger } from 'pino';

/** Name of the BullMQ queue the competency workers consume. */
export const SCORING_QUEUE = 'score-statements';

/** Options of every scoring job (the API's producer and the workers' sweep). */
export const SCORING_JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 5000 } as const;

/** A statement to score: its id, and the hex `_id` of its document when the producer knew it. */
export interface ScoringJobStatement { id: string; oid?: string }

/**
 * Data of one scoring job: the statements to turn into evidence, all of one store. The first is
 * `statementId` (with `oid`), and names the job; `more` holds the others when statements stored
 * close together were enqueued as one job (jobs of one statement, the older form, have no `more`).
 */
export interface ScoringJobData { store: string; statementId: string; oid?: string; more?: ScoringJobStatement[] }

/**
 * Job ids are the identity of the job's first statement, so enqueueing the same statement twice
 * (a sweep after the producer, or two sweeps) adds nothing while the first job exists.
 */
export function scoringJobId(store: string, statementId: string): string {
  return `${store}__${statementId}`;
}

/** The statements of a job, first one first. */
export function jobStatements(data: ScoringJobData): ScoringJobStatement[] {
  return [{ id: data.statementId, ...(data.oid !== undefined ? { oid: data.oid } : {}) }, ...(data.more ?? [])];
}

/** A job's data for these statements (at least one, all of `store`). */
export function scoringJobData(store: string, statements: readonly ScoringJobStatement[]): ScoringJobData {
  const [first, ...rest] = statements;
  if (first === undefined) throw new Error('a scoring job needs a statement');
  return { store, statementId: first.id, ...(first.oid !== undefined ? { oid: first.oid } : {}), ...(rest.length > 0 ? { more: [...rest] } : {}) };
}

export interface ScoringQueueOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /**
   * How long statements wait to be enqueued together (ms): requests stored within this window go
   * to Redis in one round trip, as jobs of up to `maxPerJob` statements. The workers score a job's
   * statements side by side, so their MongoDB round trips are shared. @defaultValue 10
   */
  lingerMs?: number;
  /** Most statements per job (a request with more is split). @defaultValue 50 */
  maxPerJob?: number;
  /**
   * Called (at most once a second) when statements could not be enqueued, so the workers' sweep
   * looks for them soon rather than at its next periodic read. Must not throw.
   */
  onNotEnqueued?: () => void;
}

/**
 * Producer side of the scoring queue. Enqueueing is a side effect of storing a statement and must
 * never turn a stored write into an error: failures are logged, and the statements stay marked
 * `toScore` in MongoDB, where the workers' sweep finds them again.
 */
export function scoringQueue(opts: ScoringQueueOptions) {
  const lingerMs = opts.lingerMs ?? 10;
  const maxPerJob = Math.max(1, opts.maxPerJob ?? 50);
  // enableOfflineQueue stays on (with it off, ioredis's ready check can raise an error event that
  // BullMQ re-emits where nobody listens, crashing the process); instead `enqueue` sends nothing
  // while the connection is not ready, so no command piles up in memory behind an outage.
  const connection = new IORedis(opts.redisUrl, { maxRetriesPerRequest: 1 });
  connection.on('error', (err) => opts.logger.warn({ err: err.message }, 'scoring queue: Redis connection error'));
  const queue = new Queue<ScoringJobData>(SCORING_QUEUE, { connection, prefix: opts.prefix, defaultJobOptions: SCORING_JOB_OPTIONS });
  queue.on('error', (err) => opts.logger.warn({ err: err.message }, 'scoring queue error'));

  interface Pending { store: string; statements: ScoringJobStatement[]; done: () => void }
  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  /** Sends what is pending: one `addBulk` (one round trip) for every job of the window. */
  function flush(): void {
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const sending = send(batch).finally(() => {
      inFlight.delete(sending);
      for (const p of batch) p.done();
    });
    inFlight.add(sending);
  }

  let notifiedAt = 0;
  function notEnqueued(): void {
    if (!opts.onNotEnqueued || Date.now() - notifiedAt < 1000) return;
    notifiedAt = Date.now();
    opts.onNotEnqueued();
  }

  async function send(batch: Pending[]): Promise<void> {
    const count = batch.reduce((n, p) => n + p.statements.length, 0);
    if (connection.status !== 'ready') {
      opts.logger.warn({ count, redis: connection.status }, 'scoring queue not connected; statements stay marked for the sweep');
      notEnqueued();
      return;
    }
    try {
      await withTimeout(ENQUEUE_TIMEOUT_MS, queue.addBulk(packJobs(batch, maxPerJob).map((j) => ({
        name: 'score',
        data: scoringJobData(j.store, j.statements),
        opts: { jobId: scoringJobId(j.store, j.statements[0]!.id) },
      }))));
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message, count }, 'scoring queue unavailable; statements stay marked for the sweep');
      notEnqueued();
    }
  }

  /** Sends what is pending now and waits for every enqueue in flight. */
  async function drain(): Promise<void> {
    if (timer) clearTimeout(timer);
    flush();
    await Promise.all([...inFlight]);
  }

  return {
    queue,
    drain,
    /**
     * Enqueues these statements of `store` (within `lingerMs`, with those of other requests).
     * Settles once they were sent (or given up on); never rejects.
     */
    enqueue(store: string, statements: ScoringJobStatement[]): Promise<void> {
      if (statements.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        pending.push({ store, statements, done: resolve });
        if (lingerMs <= 0) flush();
        else timer ??= setTimeout(flush, lingerMs);
      });
    },
    /** Closes the queue (after sending what is pending); with Redis unreachable it gives up after two seconds rather than hang shutdown. */
    async close(): Promise<void> {
      await withTimeout(2000, drain()).catch(() => undefined);
      await withTimeout(2000, queue.close()).catch(() => undefined);
      connection.disconnect();
    },
  };
}
export type ScoringQueue = ReturnType<typeof scoringQueue>;

const ENQUEUE_TIMEOUT_MS = 2000;

/**
 * The jobs for a window's requests: per store, requests packed in order into jobs of at most
 * `max` statements; a request's statements stay in one job unless it has more than `max`.
 */
export function packJobs(requests: ReadonlyArray<{ store: string; statements: ScoringJobStatement[] }>, max: number): Array<{ store: string; statements: ScoringJobStatement[] }> {
  const jobs: Array<{ store: string; statements: ScoringJobStatement[] }> = [];
  const open = new Map<string, ScoringJobStatement[]>();
  for (const r of requests) {
    for (let i = 0; i < r.statements.length; i += max) {
      const part = r.statements.slice(i, i + max);
      let current = open.get(r.store);
      if (current === undefined || current.length + part.length > max) {
        current = [];
        open.set(r.store, current);
        jobs.push({ store: r.store, statements: current });
      }
      current.push(...part);
    }
  }
  return jobs;
}

function withTimeout<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
