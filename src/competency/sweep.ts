import type { Db } from 'mongodb';
import type { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { jobStatements, SCORING_JOB_OPTIONS, scoringJobData, scoringJobId, type ScoringJobData, type ScoringJobStatement } from '../queue/scoring-queue';
import type { PipelineDeps } from './competency-pipeline';
import { TRANSIENT_PREFIX } from './score-statement.processor';
import { updateLearner } from './update-learner';
import { expiredAnnouncement } from './write-back';

export interface SweepOptions {
  /** Statements stored less than this long ago are left to the queue (their job is on its way). @defaultValue 5000 */
  minAgeMs?: number;
  /** Most statements looked at per store and sweep. @defaultValue 1000 */
  batch?: number;
  /** On a store's first sweep, expiries this far back are still announced. @defaultValue 1 day */
  expiryLookbackMs?: number;
  /**
   * Most open jobs the sweep reads to tell whether one holds a pending statement whose own job id
   * is unknown; with more open than this, such statements wait for a later sweep. @defaultValue 5000
   */
  coverScanMax?: number;
}

export interface SweepReport {
  store: string;
  /** Whether this sweep read MongoDB for statements still marked (see `LRS_SWEEP_SCAN_INTERVAL_MS`). */
  scanned: boolean;
  enqueued: number;
  requeued: number;
  retried: number;
  expired: number;
  /** Pending statements left for a later sweep because the queue holds too many jobs to tell whether one covers them. */
  deferred: number;
}

const OPEN_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children'] as const;

/**
 * One sweep of one store, the safety net behind the queue:
 * 1. statements still marked `toScore` a while after they were stored are enqueued again, unless a
 *    job still waiting or running has them (its own job, by id, or one of the open jobs); a job
 *    that completed while the mark stayed is replaced, and one that failed for a transient reason
 *    (MongoDB down) is retried. This is how nothing is lost when Redis was down at ingestion, lost
 *    its data, or a worker died. When the queue holds more than a few thousand open jobs it is
 *    catching up, and statements without a job of their own are left for a later sweep.
 * 2. validations whose `validUntil` passed since the last sweep are announced (`expired` statement)
 *    and their cells recomputed, so stored states say `validated: false`.
 */
export async function sweepStore(deps: PipelineDeps, input: { store: string; queue: Queue<ScoringJobData>; now?: Date; scan?: boolean } & SweepOptions): Promise<SweepReport> {
  const { store } = input;
  const now = input.now ?? deps.now();
  const scan = input.scan ?? true;
  const report: SweepReport = { store, scanned: scan, enqueued: 0, requeued: 0, retried: 0, expired: 0, deferred: 0 };
  if (scan) await requeuePending(deps, { ...input, now }, report);
  report.expired = await announceExpiries(deps, { store, now, lookbackMs: input.expiryLookbackMs ?? 86_400_000 });
  return report;
}

/** Part 1 of a sweep: statements still marked to score that no open job holds get a job again. */
async function requeuePending(deps: PipelineDeps, input: { store: string; queue: Queue<ScoringJobData>; now: Date } & SweepOptions, report: SweepReport): Promise<void> {
  const { store, queue, now } = input;
  const pending = await deps.statements.pending(store, new Date(now.getTime() - (input.minAgeMs ?? 5000)), input.batch ?? 1000);
  // Statements whose completed job is replaced, and statements with no job of their own.
  const requeue: ScoringJobStatement[] = [];
  let unknown: ScoringJobStatement[] = [];
  for (const { id, _id } of pending) {
    const jobId = scoringJobId(store, id);
    const state = await queue.getJobState(jobId);
    if (state === 'unknown') {
      unknown.push({ id, oid: _id.toHexString() });
    } else if (state === 'completed') {
      await queue.remove(jobId);
      requeue.push({ id, oid: _id.toHexString() });
    } else if (state === 'failed') {
      const job = await queue.getJob(jobId);
      if (job?.failedReason?.startsWith(TRANSIENT_PREFIX)) {
        await job.retry('failed');
        report.retried++;
      }
    }
  }
  if (unknown.length > 0) {
    // One of them may be in a job named after another statement (the API enqueues statements
    // stored together as one job): the open jobs tell, unless there are too many to read.
    const counts = await queue.getJobCounts(...OPEN_STATES);
    const open = Object.values(counts).reduce((a, b) => a + b, 0);
    if (open > (input.coverScanMax ?? 5000)) {
      report.deferred = unknown.length;
      unknown = [];
    } else if (open > 0) {
      const covered = new Set((await queue.getJobs([...OPEN_STATES], 0, open)).flatMap((j) => (j?.data ? jobStatements(j.data).map((s) => s.id) : [])));
      unknown = unknown.filter((s) => !covered.has(s.id));
    }
  }
  report.requeued = requeue.length;
  report.enqueued = unknown.length;
  const toAdd = [...requeue, ...unknown];
  if (toAdd.length > 0) {
    // One job per statement, named by it: the next sweep finds each statement's own job.
    await queue.addBulk(toAdd.map((s) => ({ name: 'score', data: scoringJobData(store, [s]), opts: { ...SCORING_JOB_OPTIONS, jobId: scoringJobId(store, s.id) } })));
  }
}

async function announceExpiries(deps: PipelineDeps, input: { store: string; now: Date; lookbackMs: number }): Promise<number> {
  const { store, now } = input;
  const upTo = now.getTime();
  let from = (await deps.writebacks.expiryCheckedUpTo(store)) ?? upTo - input.lookbackMs;
  if (from >= upTo) return 0;
  const generations = await deps.generations.peek(store);
  const limit = 500;
  let count = 0;
  for (;;) {
    const [states, rollups] = await Promise.all([
      deps.states.expiredBetween(store, generations.active, from, upTo, limit),
      deps.rollups.expiredBetween(store, generations.active, from, upTo, limit),
    ]);
    const set = await deps.scoringSets.get(store);
    for (const s of [...states, ...rollups]) {
      const sf = set.byId.get(s.frameworkId);
      const competency = sf?.byId.get(s.competencyId);
      if (sf === undefined || competency === undefined || s.validUntil === null) continue;
      await deps.announce?.(expiredAnnouncement({ store, learnerId: s.learnerId, framework: sf.framework, competency, levelId: latestLevel(s), validatedAt: s.validatedAt, validUntil: s.validUntil }));
      // Leaves only: a roll-up is recomputed with its children.
      if ('alpha' in s) await updateLearner(deps, { store, generations, learnerId: s.learnerId, cells: [{ frameworkId: s.frameworkId, competencyId: s.competencyId }], set, now, only: generations.active });
      count++;
    }
    const batch = [...states, ...rollups];
    if (states.length < limit && rollups.length < limit) {
      await deps.writebacks.setExpiryCheckedUpTo(store, upTo);
      return count;
    }
    // A full page: continue after the earliest of the two pages' last expiries (the ledger
    // makes announcing one twice harmless).
    const next = Math.min(...[states, rollups].filter((l) => l.length === limit).map((l) => l[l.length - 1]?.validUntil ?? upTo));
    from = next > from ? next - 1 : next;
    await deps.writebacks.setExpiryCheckedUpTo(store, from);
    if (batch.length === 0) return count;
  }
}

function latestLevel(s: { validatedLevel: string | null; validations?: Array<{ levelId: string }> }): string | null {
  return s.validatedLevel ?? s.validations?.[s.validations.length - 1]?.levelId ?? null;
}

/** Stores to sweep: those registered, and any that statements name (JWT stores need no record). */
export async function listStores(db: Db): Promise<string[]> {
  const [registered, used] = await Promise.all([
    listRegisteredStores(db),
    db.collection('statements').distinct('store') as Promise<string[]>,
  ]);
  return [...new Set([...registered, ...used])].sort();
}

/** The stores registered through the admin API (a small collection, read whole). */
export async function listRegisteredStores(db: Db): Promise<string[]> {
  return (await db.collection<{ _id: string }>('stores').find({}, { projection: { _id: 1 } }).toArray()).map((s) => s._id);
}

/**
 * Runs `fn` at most once per `intervalMs` across every worker process sharing this Redis: a plain
 * `SET key NX PX` lock that is never released, only expires. Returns whether this process ran it.
 * With Redis unreachable the sweep is skipped (it could not enqueue anything anyway).
 */
export async function withSweepLock<T>(redis: IORedis, key: string, intervalMs: number, fn: () => Promise<T>): Promise<T | undefined> {
  const token = `${process.pid}-${Date.now()}`;
  const ok = await redis.set(key, token, 'PX', Math.max(100, intervalMs - 100), 'NX');
  if (ok !== 'OK') return undefined;
  return fn();
}
