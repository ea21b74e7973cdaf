import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { CompetencyState } from '../engine';
import { decodeKey, encodeKey } from '../statements/model/key-codec';
import { recordStateWrites, type FeedRecord } from '../analytics/feed-hooks';
import { coalescedWrites } from '../storage/coalesce';

/**
 * The current state of one learner on one competency, per scoring generation. Only cells with live
 * evidence have one (`get` and `forLearner` also skip any with `evidenceCount` 0).
 */
export interface StateDoc extends CompetencyState {
  store: string;
  frameworkId: string;
  frameworkVersion: number;
  generation: number;
  updatedAt: Date;
}

/** One state to write with {@link StatesRepository.putComputed}. */
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
  const writes = coalescedWrites<StateDoc>(db, 'competency_states');
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
     * Writes recomputed states by their unique key, deleting those left without evidence (so a
     * voided statement's only state disappears, as if it had never arrived). See `recompute-cells.ts`
     * for why a later recomputation always follows a stale one.
     */
    async putComputed(store: string, generation: number, rows: StateWrite[], now: Date): Promise<void> {
      await (await this.putComputedSequenced(store, generation, rows, now)).written;
    },
    /**
     * {@link putComputed} that resolves once the states are written and their analytics feed
     * entries have positions, with the entries' slot writes still under way in `written` (await
     * it before the job is done; see `feed-hooks.ts`).
     */
    async putComputedSequenced(store: string, generation: number, rows: StateWrite[], now: Date): Promise<FeedRecord> {
      if (rows.length === 0) return { written: Promise.resolve() };
      const ops: AnyBulkWriteOperation<StateDoc>[] = rows.map((r) => {
        const filter = { store, generation, learnerId: r.state.learnerId, frameworkId: r.frameworkId, competencyId: r.state.competencyId };
        return r.state.evidenceCount === 0
          ? { deleteOne: { filter } }
          : { replaceOne: { filter, replacement: { ...mapLevelKeys(r.state, encodeKey), store, generation, frameworkId: r.frameworkId, frameworkVersion: r.frameworkVersion, updatedAt: now }, upsert: true } };
      });
      await writes.write(ops);
      return recordStateWrites(db, store, generation, rows);
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

