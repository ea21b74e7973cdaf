import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { Logger } from 'pino';

/** Name of the BullMQ queue the competency workers consume. */
export const SCORING_QUEUE = 'score-statements';

/** Data of one scoring job: the statement to turn into evidence. */
export interface ScoringJobData { store: string; statementId: string }

/** Job ids are the statement's identity, so enqueueing the same statement twice is a no-op. */
export function scoringJobId(store: string, statementId: string): string {
  return `${store}__${statementId}`;
}

/**
 * Producer side of the scoring queue. Enqueueing is a side effect of storing a statement and must
 * never turn a stored write into an error: failures are logged, and the statements stay marked
 * `toScore` in MongoDB, where the workers' sweep finds them again.
 */
export function scoringQueue(opts: { redisUrl: string; prefix: string; logger: Logger }) {
  // enableOfflineQueue stays on (with it off, ioredis's ready check can raise an error event that
  // BullMQ re-emits where nobody listens, crashing the process); instead `enqueue` sends nothing
  // while the connection is not ready, so no command piles up in memory behind an outage.
  const connection = new IORedis(opts.redisUrl, { maxRetriesPerRequest: 1 });
  connection.on('error', (err) => opts.logger.warn({ err: err.message }, 'scoring queue: Redis connection error'));
  const queue = new Queue<ScoringJobData>(SCORING_QUEUE, {
    connection,
    prefix: opts.prefix,
    defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
  });
  queue.on('error', (err) => opts.logger.warn({ err: err.message }, 'scoring queue error'));
  return {
    queue,
    /** Never rejects. */
    async enqueue(store: string, statementIds: string[]): Promise<void> {
      if (statementIds.length === 0) return;
      if (connection.status !== 'ready') {
        opts.logger.warn({ store, count: statementIds.length, redis: connection.status }, 'scoring queue not connected; statements stay marked for the sweep');
        return;
      }
      try {
        await withTimeout(ENQUEUE_TIMEOUT_MS, queue.addBulk(statementIds.map((statementId) => ({
          name: 'score',
          data: { store, statementId },
          opts: { jobId: scoringJobId(store, statementId) },
        }))));
      } catch (err) {
        opts.logger.warn({ err: (err as Error).message, store, count: statementIds.length }, 'scoring queue unavailable; statements stay marked for the sweep');
      }
    },
    /** Closes the queue; with Redis unreachable it gives up after two seconds rather than hang shutdown. */
    async close(): Promise<void> {
      await withTimeout(2000, queue.close()).catch(() => undefined);
      connection.disconnect();
    },
  };
}
export type ScoringQueue = ReturnType<typeof scoringQueue>;

const ENQUEUE_TIMEOUT_MS = 2000;

function withTimeout<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
