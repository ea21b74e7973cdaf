import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { CompetencyState } from '../engine';
import { decodeKey, encodeKey } from '../statements/model/key-codec';

/**
 * The current state of one learner on one competency, per scoring generation. A state whose
 * `evidenceCount` is 0 (all its evidence voided or moved) is kept as a tombstone so that a slower,
 * stale recomputation cannot resurrect it (see `seq`); `get` and `forLearner` skip tombstones.
 */
export interface StateDoc extends CompetencyState {
  store: string;
  frameworkId: string;
  frameworkVersion: number;
  generation: number;
  updatedAt: Date;
  /**
   * The learner's scoring sequence number the state was computed under (`scoring-seqs.repository.ts`).
   * A write carrying a lower number than the stored one is stale and dropped. Absent on states
   * written by `put`.
   */
  seq?: number;
}

/** One state to write with {@link StatesRepository.putIfNewer}. */
export interface StateWrite {
  frameworkId: string;
  frameworkVersion: number;
  state: CompetencyState;
}

// Level ids key `firstReachedAt` / `firstValidatedAt`; they are author-chosen strings (CASE rubric
// ids are URIs with dots), so they are escaped as field names and restored on read.
function mapLevelKeys(state: CompetencyState, f: (k: string) => string): CompetencyState {
  const remap = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [f(k), v]));
  return { ...state, firstReachedAt: remap(state.firstReachedAt), firstValidatedAt: remap(state.firstValidatedAt) };
}
const fromDoc = (d: StateDoc): StateDoc => mapLevelKeys(d, decodeKey) as StateDoc;

const LIVE = { evidenceCount: { $gt: 0 } } as const;

export function statesRepository(db: Db) {
  const col: Collection<StateDoc> = db.collection('competency_states');
  return {
    collection: col,
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, generation: 1, learnerId: 1, frameworkId: 1, competencyId: 1 }, { unique: true, name: 'store_gen_cell' });
      await col.createIndex({ store: 1, generation: 1, frameworkId: 1, competencyId: 1, learnerId: 1 }, { name: 'store_gen_competency' });
      await col.createIndex({ store: 1, generation: 1, reassessmentDueAt: 1 }, { name: 'store_gen_due' });
      // The sweep finds validations that expired since its last run.
      await col.createIndex({ store: 1, generation: 1, validUntil: 1 }, { name: 'store_gen_validUntil' });
    },
    async put(store: string, generation: number, frameworkId: string, frameworkVersion: number, state: CompetencyState, now: Date): Promise<void> {
      const doc: StateDoc = { ...mapLevelKeys(state, encodeKey), store, generation, frameworkId, frameworkVersion, updatedAt: now };
      await col.replaceOne({ store, generation, learnerId: state.learnerId, frameworkId, competencyId: state.competencyId }, doc, { upsert: true });
    },
    /**
     * Writes states computed under sequence number `seq`, each only if the stored one is older (a
     * lower `seq`, or none). Returns, per input row, whether it was written. Concurrent jobs for
     * one learner can finish in any order; the one that read the evidence last wins.
     */
    async putIfNewer(store: string, generation: number, rows: StateWrite[], seq: number, now: Date): Promise<boolean[]> {
      if (rows.length === 0) return [];
      const ops: AnyBulkWriteOperation<StateDoc>[] = rows.map((r) => ({
        replaceOne: {
          filter: { store, generation, learnerId: r.state.learnerId, frameworkId: r.frameworkId, competencyId: r.state.competencyId, $or: [{ seq: { $lt: seq } }, { seq: { $exists: false } }] },
          replacement: { ...mapLevelKeys(r.state, encodeKey), store, generation, frameworkId: r.frameworkId, frameworkVersion: r.frameworkVersion, updatedAt: now, seq },
          upsert: true,
        },
      }));
      return conditionalBulk(col, ops);
    },
    async remove(store: string, generation: number, cell: { learnerId: string; frameworkId: string; competencyId: string }): Promise<void> {
      await col.deleteOne({ store, generation, ...cell });
    },
    async get(store: string, generation: number, cell: { learnerId: string; frameworkId: string; competencyId: string }): Promise<StateDoc | null> {
      const d = await col.findOne({ store, generation, ...cell, ...LIVE }, { projection: { _id: 0 } });
      return d ? fromDoc(d) : null;
    },
    async forLearner(store: string, generation: number, learnerId: string, frameworkId?: string): Promise<StateDoc[]> {
      const docs = await col.find({ store, generation, learnerId, ...(frameworkId ? { frameworkId } : {}), ...LIVE }, { projection: { _id: 0 } }).sort({ frameworkId: 1, competencyId: 1 }).toArray();
      return docs.map(fromDoc);
    },
    /** Validations whose `validUntil` falls in `(after, upTo]` (the sweep announces their expiry). */
    async expiredBetween(store: string, generation: number, after: number, upTo: number, limit: number): Promise<StateDoc[]> {
      const docs = await col.find({ store, generation, validUntil: { $gt: after, $lte: upTo }, ...LIVE }, { projection: { _id: 0 } }).sort({ validUntil: 1 }).limit(limit).toArray();
      return docs.map(fromDoc);
    },
    async reassign(store: string, fromLearnerIds: string[]): Promise<void> {
      if (fromLearnerIds.length > 0) await col.deleteMany({ store, learnerId: { $in: fromLearnerIds } });
    },
    async dropGeneration(store: string, generation: number): Promise<void> {
      await col.deleteMany({ store, generation });
    },
    /** Drops every generation below this one (after a rebuild switched; also late writes of jobs that read the old generations). */
    async dropGenerationsBelow(store: string, generation: number): Promise<void> {
      await col.deleteMany({ store, generation: { $lt: generation } });
    },
  };
}
export type StatesRepository = ReturnType<typeof statesRepository>;

/**
 * Runs conditional upserts (`filter` with a `seq` guard, `upsert: true`) and reports which were
 * applied: when the guard fails on an existing document the upsert collides with the unique index
 * (E11000), which here means "a newer write is already there", not an error.
 */
export async function conditionalBulk<T extends object>(col: Collection<T>, ops: AnyBulkWriteOperation<T>[]): Promise<boolean[]> {
  const applied = ops.map(() => true);
  try {
    await col.bulkWrite(ops, { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: Array<{ index: number; code?: number }> | { index: number; code?: number } }).writeErrors;
    const list = writeErrors === undefined ? undefined : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
    if (list === undefined || list.length === 0 || list.some((w) => w.code !== 11000)) throw err;
    for (const w of list) applied[w.index] = false;
  }
  return applied;
}
