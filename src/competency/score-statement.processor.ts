import { UnrecoverableError, type Job } from 'bullmq';
import { ObjectId, MongoNetworkError, MongoNotConnectedError, MongoServerSelectionError, MongoTopologyClosedError, MongoWriteConcernError } from 'mongodb';
import { evidenceFromStatement, type EvidenceItem, type StatementLike } from '../engine';
import { jobStatements, type ScoringJobData, type ScoringJobStatement } from '../queue/scoring-queue';
import { agentIfiKey } from '../statements/model/agent-ifi';
import type { PipelineDeps } from './competency-pipeline';
import type { SkipInput } from './scoring-skips.repository';
import { announceRecomputed, generationList, recomputeGenerations, retractStatements, updateLearner, writeEvidence, type UpdateLearnerInput } from './update-learner';
import { moveLearnerEvidence } from './relink-learner';
import { cellsAfterAdd } from './evidence-cells.repository';
import { cellsToRead } from './recompute-cells';
import { isSystemAuthored } from './write-back';

/** What a scoring job did (the job's return value, visible in BullMQ). */
export type ScoreOutcome =
  | { status: 'scored'; evidence: number; skipped: number; learnerId: string }
  | { status: 'voided' | 'voiding'; retracted: number }
  | { status: 'already-scored' | 'written-back' | 'no-actor-ifi' };

/** Marks an error as transient (MongoDB unreachable): retried with backoff, and by the sweep after that. */
export class TransientError extends Error {
  constructor(cause: Error) {
    super(`transient: ${cause.message}`, { cause });
    this.name = 'TransientError';
  }
}

/** Prefix of `failedReason` of jobs that failed for a transient reason (the sweep retries those). */
export const TRANSIENT_PREFIX = 'transient: ';

export function isTransient(err: unknown): boolean {
  if (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError || err instanceof MongoTopologyClosedError || err instanceof MongoNotConnectedError || err instanceof MongoWriteConcernError) return true;
  const e = err as { code?: unknown; hasErrorLabel?: (l: string) => boolean };
  return e?.code === 'SERVICE_UNAVAILABLE' || (typeof e?.hasErrorLabel === 'function' && (e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('ResetPool')));
}

/** The store and statements of a job's data; `UnrecoverableError` when it is malformed. */
function parseJobData(data: unknown): { store: string; statements: ScoringJobStatement[] } {
  const malformed = () => new UnrecoverableError(`malformed scoring job data: ${JSON.stringify(data)?.slice(0, 200)}`);
  const d = data as Partial<ScoringJobData> | null;
  if (typeof d?.store !== 'string' || d.store === '' || typeof d.statementId !== 'string' || d.statementId === '') throw malformed();
  if (d.more !== undefined && !Array.isArray(d.more)) throw malformed();
  const statements = jobStatements(d as ScoringJobData);
  for (const s of statements) {
    const item = s as Partial<ScoringJobStatement> | null;
    if (typeof item?.id !== 'string' || item.id === '' || (item.oid !== undefined && typeof item.oid !== 'string')) throw malformed();
    // An `_id` that is not one is only a missed shortcut: the statement is then read by its id.
    if (item.oid !== undefined && !ObjectId.isValid(item.oid)) delete s.oid;
  }
  return { store: d.store, statements };
}

/** One statement to score: its store and id, and the hex `_id` of its document when known. */
export interface ScoreInput { store: string; statementId: string; oid?: string }

/**
 * Scores one stored statement: evidence from every framework's rules, into the active generation
 * (and the one a rebuild is building), then the touched states, then the `toScore` mark is
 * cleared. Safe to run any number of times and in any order with other statements: evidence is
 * keyed by statement, and states are recomputed from the evidence set.
 *
 * - A statement a rule cannot evaluate is recorded in `scoring_skips`, never thrown.
 * - Voiding retracts the target's evidence (xAPI 1.0.3 Data §2.3.2; a voiding statement that targets
 *   another voiding statement voids nothing). A statement voided before or while it is scored ends
 *   with no live evidence: it is checked after its evidence is written, so either this job or the
 *   voiding job retracts it.
 * - Statements the pipeline wrote back itself are not scored (no loop).
 * - Malformed job data or a statement that is not stored: `UnrecoverableError` (no retries).
 *   MongoDB unreachable: {@link TransientError}, retried with backoff.
 */
export async function scoreStatement(deps: PipelineDeps, data: ScoreInput): Promise<ScoreOutcome> {
  const { store, statementId } = data;
  const [doc, generations] = await Promise.all([deps.statements.find(store, statementId, data.oid), deps.liveGenerations(store)]);
  if (doc === null) throw new UnrecoverableError(`statement ${statementId} is not stored in store ${store}`);
  if (!doc.toScore) {
    // A retry after a crash between clearing the mark and retracting a voided statement.
    if (doc.voided && doc.voidsId === undefined) return retractVoided(deps, { store, statementId, generations, now: deps.now() });
    return { status: 'already-scored' };
  }
  if (isSystemAuthored(doc.authorityKey)) {
    await deps.statements.clear(store, statementId);
    return { status: 'written-back' };
  }
  let statement: StatementLike;
  try {
    statement = JSON.parse(doc.json) as StatementLike;
  } catch (err) {
    throw new UnrecoverableError(`statement ${statementId} is stored as invalid JSON: ${(err as Error).message}`);
  }
  const now = deps.now();

  if (doc.voidsId !== undefined) {
    const target = await deps.statements.find(store, doc.voidsId);
    let retracted = 0;
    // A target not stored yet will arrive voided and produce nothing.
    if (target !== null && target.voidsId === undefined) {
      const set = await deps.scoringSets.get(store);
      retracted = await retractStatements(deps, { store, generations, statementIds: [target.id], by: `voided by ${statementId}`, set, now });
    }
    await deps.statements.clear(store, statementId);
    return { status: 'voiding', retracted };
  }
  if (doc.voided) return retractVoided(deps, { store, statementId, generations, now });

  const storedAt = doc.stored;
  const identity = agentIfiKey(statement.actor);
  if (identity === undefined) {
    const skip: SkipInput = { statementId, storedAt, reason: 'the actor has no inverse functional identifier (an anonymous group), so no learner can be credited' };
    await Promise.all(generationList(generations).map((g) => deps.skips.record(store, g, [skip], now)));
    await deps.statements.clear(store, statementId);
    return { status: 'no-actor-ifi' };
  }
  let learner = await deps.resolveLearner(store, identity, now);
  const set = await deps.scoringSets.get(store, { check: generations.building !== undefined });
  const rows: Array<EvidenceItem & { frameworkId: string }> = [];
  const skips: SkipInput[] = [];
  for (const sf of set.frameworks) {
    const r = evidenceFromStatement({ framework: sf.framework, rules: sf.rules, statement, learnerId: learner.learnerId, now });
    for (const e of r.evidence) rows.push({ ...e, frameworkId: sf.framework.id });
    for (const s of r.skipped) skips.push({ statementId, storedAt, reason: s.reason, frameworkId: sf.framework.id, ruleId: s.ruleId, competencyId: s.competencyId });
  }
  // The cells the recomputation needs are read beside the evidence write (one step less); what the
  // write changed in them is applied to what was read (`cellsAfterAdd`), and the recomputation's
  // check of versions catches anything else that changed them meanwhile.
  const cellRefs = rows.map((r) => ({ frameworkId: r.frameworkId, competencyId: r.competencyId }));
  const toRead = rows.length > 0 ? cellsToRead(cellRefs, set) : [];
  const [read] = await Promise.all([
    Promise.all(generationList(generations).map(async (g) => [g, cellsAfterAdd(await deps.cells.get(store, g, learner.learnerId, toRead), store, g, rows)] as const)),
    ...generationList(generations).flatMap((g) => [writeEvidence(deps, store, g, rows), deps.skips.record(store, g, skips, now)]),
  ]);
  await deps.afterEvidence?.({ store, statementId });

  // After our evidence landed, side by side: two checks and the recomputation of the states.
  // - Voided meanwhile? Then the voiding job may have retracted before our evidence landed: we
  //   retract (not voided now: a voiding job that comes later finds our evidence).
  // - A relink may have given this identity to an explicit learner after we resolved it (or after
  //   the resolution we reused was cached): the evidence moves to the owner, who is recomputed
  //   (after our recomputation, whose states of the implicit learner the move deletes).
  // Write-back waits for both checks.
  const update: UpdateLearnerInput = { store, generations, learnerId: learner.learnerId, cells: cellRefs, set, now, firstRead: new Map(read) };
  const [voided, owner, recomputed] = await Promise.all([
    deps.statements.voidedNow(doc._id),
    rows.length > 0 ? deps.recheckLearner(store, identity, learner, now) : Promise.resolve(learner),
    rows.length > 0 ? recomputeGenerations(deps, update) : Promise.resolve(null),
  ]);
  if (voided) return retractVoided(deps, { store, statementId, generations, now });
  if (rows.length > 0) {
    if (owner.learnerId !== learner.learnerId) {
      await moveLearnerEvidence(deps, { store, from: [learner.learnerId], to: owner.learnerId });
      learner = owner;
      await updateLearner(deps, { ...update, learnerId: owner.learnerId, firstRead: undefined });
    } else {
      await announceRecomputed(deps, update, recomputed);
    }
  }
  // Last, once the states are written: a crash before this leaves the mark, and the retry redoes
  // everything (or, if the statement was voided meanwhile, retracts it).
  await deps.statements.clear(store, statementId);
  return { status: 'scored', evidence: rows.length, skipped: skips.length, learnerId: learner.learnerId };
}

async function retractVoided(deps: PipelineDeps, input: { store: string; statementId: string; generations: { active: number; building?: number }; now: Date }): Promise<ScoreOutcome> {
  const set = await deps.scoringSets.get(input.store);
  const retracted = await retractStatements(deps, { store: input.store, generations: input.generations, statementIds: [input.statementId], by: 'voided', set, now: input.now });
  await deps.statements.clear(input.store, input.statementId);
  return { status: 'voided', retracted };
}

/**
 * What a scoring job returns: the outcome of each of its statements, in the job's order, with the
 * time (epoch ms) that statement's scoring finished: its states written and its `toScore` mark
 * cleared. A job's statements finish one by one; the job completes with its last one, so the
 * job's completion time overstates when the others' scores became visible.
 */
export type ScoringJobResult = Array<{ statementId: string; scoredAt: number } & ScoreOutcome>;

/**
 * The BullMQ processor of queue `score-statements`. A job's statements are scored side by side, so
 * their round trips to MongoDB are shared (storage/coalesce.ts); each is scored on its own, and a
 * failure of one does not stop the others. The job then fails when any statement failed, naming
 * them: retried when any failure may pass (a retry finds the others scored and leaves them), not
 * retried when every failure is permanent (a statement that is not stored, malformed data).
 */
export function scoreStatementProcessor(deps: PipelineDeps): (job: Job<ScoringJobData>) => Promise<ScoringJobResult> {
  return async (job) => {
    const { store, statements } = parseJobData(job.data);
    const settled = await Promise.allSettled(statements.map((s) => scoreStatement(deps, { store, statementId: s.id, oid: s.oid }).then((outcome) => ({ ...outcome, scoredAt: Date.now() }))));
    const results: ScoringJobResult = [];
    const failures: Array<{ statementId: string; err: unknown }> = [];
    settled.forEach((r, i) => {
      const statementId = (statements[i] as ScoringJobStatement).id;
      if (r.status === 'fulfilled') results.push({ statementId, ...r.value });
      else failures.push({ statementId, err: r.reason });
    });
    if (failures.length === 0) return results;
    const first = failures[0] as { statementId: string; err: unknown };
    if (statements.length === 1) {
      if (first.err instanceof UnrecoverableError) throw first.err;
      if (isTransient(first.err)) throw new TransientError(first.err as Error);
      throw first.err;
    }
    const what = failures.map((f) => `${f.statementId}: ${(f.err as Error)?.message ?? String(f.err)}`).join('; ');
    const summary = `${failures.length} of ${statements.length} statements not scored (${what})`;
    const transient = failures.find((f) => isTransient(f.err));
    if (transient) throw new TransientError(new Error(summary, { cause: transient.err }));
    if (failures.every((f) => f.err instanceof UnrecoverableError)) throw new UnrecoverableError(summary);
    throw new Error(summary, { cause: first.err });
  };
}
