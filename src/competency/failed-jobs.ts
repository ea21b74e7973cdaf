import type { Queue } from 'bullmq';

/** A failed job as the API and the admin tool list it. */
export interface FailedJob {
  queue: string;
  id: string;
  name: string;
  store: string | null;
  /** The job's first statement (scoring jobs; the job is named after it). */
  statementId: string | null;
  /** Every statement of a scoring job (statements stored close together share one job); [] for other jobs. */
  statementIds: string[];
  failedReason: string;
  attemptsMade: number;
  /** When it failed for the last time. */
  failedAt: Date | null;
  /** Whether the sweep retries it by itself (MongoDB was unreachable). */
  transient: boolean;
}

/**
 * Failed jobs of a queue (BullMQ keeps them in its failed set: `removeOnFail` keeps the last 5,000
 * scoring jobs), newest first, optionally only those of one store. BullMQ cannot filter by data,
 * so up to `scan` failed jobs are read and filtered here.
 */
export async function failedJobs(queue: Queue, opts: { store?: string; limit?: number; scan?: number } = {}): Promise<FailedJob[]> {
  const limit = opts.limit ?? 100;
  const jobs = await queue.getFailed(0, (opts.scan ?? 5000) - 1);
  const out: FailedJob[] = [];
  for (const job of jobs) {
    if (job === undefined || job === null) continue;
    const data = (job.data ?? {}) as { store?: unknown; statementId?: unknown; more?: unknown };
    // Read defensively: a failed job may be failed for its malformed data.
    const more = Array.isArray(data.more) ? data.more.map((m) => (m as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string') : [];
    const store = typeof data.store === 'string' ? data.store : null;
    if (opts.store !== undefined && store !== opts.store) continue;
    const failedReason = job.failedReason ?? '';
    out.push({
      queue: queue.name,
      id: job.id ?? '',
      name: job.name,
      store,
      statementId: typeof data.statementId === 'string' ? data.statementId : null,
      statementIds: typeof data.statementId === 'string' ? [data.statementId, ...more] : [],
      failedReason,
      attemptsMade: job.attemptsMade,
      failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
      transient: failedReason.startsWith('transient: '),
    });
    if (out.length >= limit) break;
  }
  return out;
}

/** Moves a store's failed jobs back to waiting (after fixing their cause); returns how many. */
export async function retryFailedJobs(queue: Queue, opts: { store?: string } = {}): Promise<number> {
  const failed = await failedJobs(queue, { store: opts.store, limit: 100_000 });
  let n = 0;
  for (const f of failed) {
    const job = await queue.getJob(f.id);
    if (job) {
      await job.retry('failed');
      n++;
    }
  }
  return n;
}
