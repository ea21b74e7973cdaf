import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import type { Config } from '../config/load-config';
import { SCORING_QUEUE } from '../queue/scoring-queue';
import { enqueueRebuild, REBUILD_QUEUE, type RebuildProgress, type RebuildResult } from './rebuild';
import { failedJobs, retryFailedJobs, type FailedJob } from './failed-jobs';
import { WRITEBACK_QUEUE } from './write-back';

/** Where the admin commands write: lines, and (on a terminal) a progress line redrawn in place. */
export interface AdminOutput {
  log(line: string): void;
  error(line: string): void;
  /** Redraws the progress line; absent: progress is logged as lines at every tenth. */
  progress?(line: string): void;
}

const QUEUES: Record<string, string> = { scoring: SCORING_QUEUE, rebuild: REBUILD_QUEUE, writeback: WRITEBACK_QUEUE };

async function withRedis<T>(config: Config, fn: (connection: IORedis) => Promise<T>): Promise<T> {
  const connection = new IORedis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  connection.on('error', () => undefined);
  await connection.connect();
  try {
    return await fn(connection);
  } finally {
    connection.disconnect();
  }
}

/** `[=========>          ] 47%  4,700/10,000  scoring` */
export function renderProgress(p: RebuildProgress, width = 30): string {
  const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : p.phase === 'done' ? 1 : 0;
  const filled = Math.round(ratio * width);
  const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (filled === width ? '=' : '>') : ''}${' '.repeat(width - filled)}`;
  return `[${bar}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')}  ${p.phase}`;
}

/**
 * `rebuild --store X`: enqueues a rebuild on the `rebuild-store` queue (a competency worker runs
 * it) and, unless `wait` is false, follows its progress (BullMQ QueueEvents `progress`) until it
 * completes or fails. Resolves to the exit code.
 */
export async function rebuildCommand(config: Config, opts: { store: string; wait: boolean; timeoutS?: number }, out: AdminOutput): Promise<number> {
  return withRedis(config, async (connection) => {
    const queue = new Queue<{ store: string }>(REBUILD_QUEUE, { connection, prefix: config.queuePrefix });
    // QueueEvents blocks on its own connection.
    const events = new QueueEvents(REBUILD_QUEUE, { connection: connection.duplicate(), prefix: config.queuePrefix });
    try {
      await events.waitUntilReady();
      const job = await enqueueRebuild(queue, opts.store);
      out.log(`rebuild of store ${opts.store} enqueued (job ${job.id})`);
      if (!opts.wait) return 0;
      out.error('following its progress (a competency worker must be running: npm start runs one)');
      let lastTenth = -1;
      let lastPhase = '';
      const show = (p: RebuildProgress) => {
        const line = renderProgress(p);
        if (out.progress) return out.progress(line);
        const tenth = p.total > 0 ? Math.floor((10 * p.done) / p.total) : 0;
        if (tenth !== lastTenth || p.phase !== lastPhase) out.log(line);
        lastTenth = tenth;
        lastPhase = p.phase;
      };
      events.on('progress', ({ jobId, data }) => {
        if (jobId === job.id && typeof data === 'object' && data !== null && 'done' in data) show(data as unknown as RebuildProgress);
      });
      const finished = job.waitUntilFinished(events, opts.timeoutS ? opts.timeoutS * 1000 : undefined) as Promise<RebuildResult>;
      try {
        const result = await finished;
        show({ phase: 'done', done: 1, total: 1 });
        if (out.progress) out.progress('\n');
        out.log(`store ${result.store}: generation ${result.generation} is live (was ${result.previous}); ${result.statements} statements re-scored, ${result.learners} learners recomputed`);
        return 0;
      } catch (err) {
        if (out.progress) out.progress('\n');
        out.error(`rebuild of store ${opts.store} failed: ${(err as Error).message}`);
        return 1;
      }
    } finally {
      await events.close();
      await queue.close();
    }
  });
}

function formatFailed(f: FailedJob): string {
  return [f.failedAt?.toISOString() ?? '-', f.queue, f.id, f.store ?? '-', f.statementId ?? '-', `attempts=${f.attemptsMade}`, f.transient ? 'transient' : 'permanent', f.failedReason.replace(/\s+/g, ' ')].join('\t');
}

/** `failed-jobs [--store X] [--queue scoring|rebuild|writeback]`: lists failed jobs, newest first. */
export async function failedJobsCommand(config: Config, opts: { store?: string; queue?: string; limit: number }, out: AdminOutput): Promise<number> {
  const names = opts.queue ? [QUEUES[opts.queue]] : Object.values(QUEUES);
  if (names.some((n) => n === undefined)) {
    out.error(`unknown queue ${opts.queue}; choose ${Object.keys(QUEUES).join(' or ')}`);
    return 1;
  }
  return withRedis(config, async (connection) => {
    let n = 0;
    for (const name of names as string[]) {
      const queue = new Queue(name, { connection, prefix: config.queuePrefix });
      try {
        for (const f of await failedJobs(queue, { store: opts.store, limit: opts.limit })) {
          out.log(formatFailed(f));
          n++;
        }
      } finally {
        await queue.close();
      }
    }
    if (n === 0) out.error('no failed jobs');
    return 0;
  });
}

/** `retry-failed [--store X]`: moves failed scoring jobs back to waiting. */
export async function retryFailedCommand(config: Config, opts: { store?: string }, out: AdminOutput): Promise<number> {
  return withRedis(config, async (connection) => {
    const queue = new Queue(SCORING_QUEUE, { connection, prefix: config.queuePrefix });
    try {
      const n = await retryFailedJobs(queue, { store: opts.store });
      out.log(`${n} failed scoring job(s) retried`);
      return 0;
    } finally {
      await queue.close();
    }
  });
}
