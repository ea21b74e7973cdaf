import { Queue, type Job } from 'bullmq';
import { evidenceFromStatement, type EvidenceItem, type StatementLike } from '../engine';
import { agentIfiKey } from '../statements/model/agent-ifi';
import type { PipelineDeps } from './competency-pipeline';
import { recomputeLearner } from './recompute-cells';
import { writeEvidence } from './update-learner';
import type { SkipInput } from './scoring-skips.repository';
import { isSystemAuthored } from './write-back';

/** Name of the BullMQ queue of rebuild jobs (served by the competency worker process). */
export const REBUILD_QUEUE = 'rebuild-store';

export interface RebuildJobData { store: string }

/** `job.progress` of a rebuild: statements re-scored, then learners recomputed, as one count. */
export interface RebuildProgress {
  phase: 'scoring' | 'states' | 'switching' | 'done';
  done: number;
  total: number;
}

export interface RebuildResult {
  store: string;
  generation: number;
  previous: number;
  statements: number;
  learners: number;
}

export interface RebuildOptions {
  store: string;
  /** Statements per page (one evidence write per page). @defaultValue 500 */
  batchSize?: number;
  /** Learners recomputed in parallel. @defaultValue 8 */
  learnerConcurrency?: number;
  /**
   * Wait after the switch before dropping the old generation a second time, for writes of jobs
   * that read the generations just before the switch. @defaultValue 2000
   */
  graceMs?: number;
  /**
   * Wait after starting the build before scanning: scoring jobs cache the store's generations this
   * long (the worker's `scoringSetTtlMs`), and every statement a job scores without knowing of the
   * build must be stored before the scan starts. @defaultValue 2500
   */
  settleMs?: number;
  onProgress?: (p: RebuildProgress) => Promise<void> | void;
}

/**
 * Re-scores a store's history under its current frameworks and rules into a new generation, then
 * switches readers to it in one update and drops the old one. While it runs, live scoring writes
 * both generations, so statements arriving meanwhile are in the new one whether the scan saw them
 * or not. A retried job resumes the generation being built (every write is idempotent).
 */
export async function rebuildStore(deps: PipelineDeps, opts: RebuildOptions): Promise<RebuildResult> {
  const { store } = opts;
  const batchSize = opts.batchSize ?? 500;
  const startedAt = deps.now();
  const before = await deps.generations.get(store);
  let generation: number;
  if (before.building !== undefined) {
    generation = before.building;
  } else {
    // Leftovers of an abandoned build with this number would never have been retracted by voiding.
    const stale = { store, generation: before.active + 1 };
    await Promise.all([deps.evidence.collection, deps.cells.collection, deps.states.collection, deps.rollups.collection, deps.skips.collection].map((c) => c.deleteMany(stale)));
    const begun = await deps.generations.beginBuild(store, startedAt);
    generation = begun ?? (await deps.generations.peek(store)).building ?? NaN;
    if (Number.isNaN(generation)) throw new Error(`store ${store}: could not start a rebuild`);
  }
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 2500));
  const set = await deps.scoringSets.get(store, { fresh: true });
  const statementTotal = await deps.statements.countLive(store);
  let total = statementTotal + (await deps.learners.collection.countDocuments({ store }));
  let done = 0;
  const report = (phase: RebuildProgress['phase']) => opts.onProgress?.({ phase, done, total });

  // 1. Every non-voided statement, in stored order, into the new generation.
  const learnerOf = new Map<string, string>();
  let after: { stored: Date; oid: import('mongodb').ObjectId } | null = null;
  let scanned = 0;
  for (;;) {
    const page = await deps.statements.livePage(store, after, batchSize);
    if (page.length === 0) break;
    const now = deps.now();
    const rows: Array<EvidenceItem & { frameworkId: string }> = [];
    const skips: SkipInput[] = [];
    for (const doc of page) {
      if (doc.voidsId !== undefined || isSystemAuthored(doc.authorityKey)) continue;
      let statement: StatementLike;
      try {
        statement = JSON.parse(doc.json) as StatementLike;
      } catch {
        skips.push({ statementId: doc.id, storedAt: doc.stored, reason: 'the statement is stored as invalid JSON' });
        continue;
      }
      const identity = agentIfiKey(statement.actor);
      if (identity === undefined) {
        skips.push({ statementId: doc.id, storedAt: doc.stored, reason: 'the actor has no inverse functional identifier (an anonymous group), so no learner can be credited' });
        continue;
      }
      let learnerId = learnerOf.get(identity);
      if (learnerId === undefined) {
        learnerId = (await deps.learners.resolve(store, identity, now)).learnerId;
        learnerOf.set(identity, learnerId);
      }
      for (const sf of set.frameworks) {
        const r = evidenceFromStatement({ framework: sf.framework, rules: sf.rules, statement, learnerId, now });
        for (const e of r.evidence) rows.push({ ...e, frameworkId: sf.framework.id });
        for (const s of r.skipped) skips.push({ statementId: doc.id, storedAt: doc.stored, reason: s.reason, frameworkId: sf.framework.id, ruleId: s.ruleId, competencyId: s.competencyId });
      }
    }
    await Promise.all([writeEvidence(deps, store, generation, rows), deps.skips.record(store, generation, skips, now)]);
    // Voided while we read the page: the voiding job may have retracted before these rows landed.
    const voided = await deps.statements.voidedAmong(store, page.map((d) => d.id));
    if (voided.length > 0) {
      const retracted = await deps.evidence.cellsOf(store, generation, voided);
      await Promise.all([deps.evidence.retract(store, generation, voided, 'voided', now), deps.cells.remove(store, generation, retracted)]);
    }
    const last = page[page.length - 1] as (typeof page)[number];
    after = { stored: last.stored, oid: last._id };
    scanned += page.length;
    done += page.length;
    // Statements stored during the scan make the count grow; keep the bar honest.
    if (scanned > statementTotal) total = Math.max(total, done);
    await report('scoring');
  }

  // 2. Every learner's states from the new evidence.
  const concurrency = opts.learnerConcurrency ?? 8;
  let learnerCount = 0;
  let afterLearner: string | undefined;
  for (;;) {
    const learners = await deps.learners.list(store, {}, 200, afterLearner);
    if (learners.length === 0) break;
    for (let i = 0; i < learners.length; i += concurrency) {
      const now = deps.now();
      await Promise.all(learners.slice(i, i + concurrency).map((l) => recomputeLearner(deps, { store, generation, learnerId: l.learnerId, cells: 'all', set, now })));
    }
    afterLearner = learners[learners.length - 1]?.learnerId;
    learnerCount += learners.length;
    done += learners.length;
    total = Math.max(total, done);
    await report('states');
  }

  // 3. Switch readers over in one update, then drop what the old generation held.
  await report('switching');
  const previous = await deps.generations.switchTo(store, generation, deps.now());
  if (previous === null) throw new Error(`store ${store}: generation ${generation} is no longer being built (abandoned by another process?)`);
  const dropOld = () => Promise.all([
    deps.evidence.dropGenerationsBelow(store, generation),
    deps.cells.dropGenerationsBelow(store, generation),
    deps.states.dropGenerationsBelow(store, generation),
    deps.rollups.dropGenerationsBelow(store, generation),
    deps.skips.dropGenerationsBelow(store, generation),
  ]);
  await dropOld();
  await new Promise((r) => setTimeout(r, Math.max(opts.graceMs ?? 2000, opts.settleMs ?? 2500)));
  await dropOld();
  done = total;
  await report('done');
  return { store, generation, previous, statements: scanned, learners: learnerCount };
}

/** The BullMQ processor of queue `rebuild-store`. */
export function rebuildProcessor(deps: PipelineDeps, opts: Omit<RebuildOptions, 'store' | 'onProgress'> = {}) {
  return async (job: Job<RebuildJobData>): Promise<RebuildResult> => {
    return rebuildStore(deps, { ...opts, store: job.data.store, onProgress: (p) => job.updateProgress(p as unknown as object) });
  };
}

/** Job id of a store's rebuild: one at a time per store. */
export function rebuildJobId(store: string): string {
  return `rebuild__${store}`;
}

/**
 * Enqueues a rebuild of a store unless one is waiting or running; returns the job. A finished or
 * failed job of an earlier rebuild is removed first so the id can be reused.
 */
export async function enqueueRebuild(queue: Queue<RebuildJobData>, store: string): Promise<Job<RebuildJobData>> {
  const id = rebuildJobId(store);
  const existing = await queue.getJob(id);
  if (existing !== undefined) {
    const state = await existing.getState();
    if (state === 'completed' || state === 'failed') await existing.remove();
    else return existing;
  }
  return queue.add('rebuild', { store }, { jobId: id, attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: 100, removeOnFail: 100 });
}
