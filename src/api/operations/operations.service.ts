import type { Job, Queue } from 'bullmq';
import { AppError, isAppError } from '../../errors/app-error';
import { failedJobs, type FailedJob } from '../../competency/failed-jobs';
import { enqueueRebuild, type RebuildJobData } from '../../competency/rebuild';
import type { GenerationsRepository } from '../../competency/generations.repository';
import type { ScoringSkipsRepository } from '../../competency/scoring-skips.repository';

export interface OperationsServiceDeps {
  /** Queues whose jobs the API may show: the scoring queue and the rebuild queue. */
  queues: { scoring: Queue; rebuild: Queue<RebuildJobData> };
  skips: ScoringSkipsRepository;
  generations: GenerationsRepository;
  /** How long a Redis call may take before the API answers 503. @defaultValue 3000 */
  redisTimeoutMs?: number;
}

/** A queued job as /api shows it. */
export interface JobView {
  id: string;
  queue: string;
  name: string;
  state: string;
  progress: unknown;
  attemptsMade: number;
  failedReason: string | null;
  result: unknown;
  createdAt: string | null;
  processedAt: string | null;
  finishedAt: string | null;
}

/**
 * Operations on the scoring pipeline for one store: start a rebuild, follow a job, list failed
 * jobs and skipped statements. Jobs live in Redis; when it is unreachable these answer 503 (the
 * data itself is in MongoDB, and nothing is lost).
 */
export function operationsService(deps: OperationsServiceDeps) {
  const timeout = deps.redisTimeoutMs ?? 3000;
  const redis = <T>(what: string, p: Promise<T>): Promise<T> => withTimeout(timeout, p).catch((err: unknown) => {
    if (isAppError(err)) throw err;
    throw new AppError('SERVICE_UNAVAILABLE', `The job queue (Redis) is unavailable: could not ${what}; retry later`);
  });

  // The state is read before the job's data: a job can finish between the two reads, and data
  // read after a `completed` state always holds the result.
  function view(job: Job, state: string): JobView {
    return {
      id: job.id ?? '',
      queue: job.queueName,
      name: job.name,
      state,
      progress: job.progress,
      attemptsMade: job.attemptsMade,
      failedReason: job.failedReason ?? null,
      result: job.returnvalue ?? null,
      createdAt: job.timestamp ? new Date(job.timestamp).toISOString() : null,
      processedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
      finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    };
  }

  return {
    /** Enqueues a rebuild of the store (or returns the one waiting or running). */
    async rebuild(store: string): Promise<JobView> {
      const job = await redis('enqueue the rebuild', enqueueRebuild(deps.queues.rebuild, store));
      return view(job, await redis('read the job', job.getState()));
    },

    /** A job of the caller's store, from either queue; 404 for another store's. */
    async job(store: string, id: string): Promise<JobView> {
      for (const queue of [deps.queues.rebuild, deps.queues.scoring] as Queue[]) {
        const state = await redis('read the job', queue.getJobState(id));
        if (state === 'unknown') continue;
        const job = await redis('read the job', queue.getJob(id));
        if (job && (job.data as { store?: unknown } | undefined)?.store === store) return view(job, state);
      }
      throw new AppError('NOT_FOUND', `No job "${id}" of this store (finished jobs are kept for a while, then removed)`);
    },

    /** Failed scoring and rebuild jobs of the store, newest first. */
    async failed(store: string, limit: number): Promise<FailedJob[]> {
      const [scoring, rebuild] = await Promise.all([
        redis('list failed jobs', failedJobs(deps.queues.scoring, { store, limit })),
        redis('list failed jobs', failedJobs(deps.queues.rebuild as Queue, { store, limit })),
      ]);
      return [...rebuild, ...scoring].sort((a, b) => (b.failedAt?.getTime() ?? 0) - (a.failedAt?.getTime() ?? 0)).slice(0, limit);
    },

    /** Statements (or rule outputs) scoring could not evaluate, with the reason, newest first. */
    async skips(store: string, opts: { frameworkId?: string; ruleId?: string; limit: number; before?: Date }) {
      const { active } = await deps.generations.get(store);
      const rows = await deps.skips.list(store, active, { ...opts, limit: opts.limit + 1 });
      // Keyset paging on `storedAt` (`before` is exclusive). Several skips can share one time (one
      // statement, several rules), so a page ends before the time of the first row it cannot
      // show, and the next page starts just after it.
      const next = rows[opts.limit];
      let page = rows.slice(0, opts.limit);
      let nextBefore: Date | undefined;
      if (next !== undefined) {
        const t = next.storedAt.getTime();
        const whole = page.filter((r) => r.storedAt.getTime() > t);
        if (whole.length > 0) {
          page = whole;
          nextBefore = new Date(t + 1);
        } else nextBefore = new Date(t);
      }
      return {
        skips: page.map((s) => ({
          statementId: s.statementId,
          frameworkId: s.frameworkId || null,
          ruleId: s.ruleId || null,
          competencyId: s.competencyId || null,
          reason: s.reason,
          storedAt: s.storedAt.toISOString(),
          recordedAt: s.recordedAt.toISOString(),
        })),
        nextBefore,
      };
    },
  };
}
export type OperationsService = ReturnType<typeof operationsService>;

function withTimeout<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
