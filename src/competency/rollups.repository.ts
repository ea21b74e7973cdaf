import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { CompetencyStanding } from '../engine';
import { recordRollupWrites, type FeedRecord } from '../analytics/feed-hooks';
import { coalescedWrites } from '../storage/coalesce';
import { fromJsonText, toJsonText, type JsonText } from '../storage/json-text';

/**
 * Standings of parent competencies that roll up from their children (`rollupCompetency`), per
 * learner and scoring generation. Kept apart from `competency_states` because a roll-up has no
 * evidence or Beta posterior of its own: its shape is the engine's `CompetencyStanding`, children
 * included, so the API can show why a parent is (not) validated. A standing with `score: null` is
 * never stored: a parent whose children have no evidence has no document.
 *
 * As stored, `children` is JSON text ({@link StoredRollupDoc}, `storage/json-text.ts`): nothing
 * queries it (on the stand-in a replacement of a four-child roll-up took 75-95 µs with it as text,
 * 120-180 µs as documents). Roll-ups written before hold documents; both read the same.
 */
export interface RollupDoc extends CompetencyStanding {
  store: string;
  generation: number;
  learnerId: string;
  frameworkId: string;
  frameworkVersion: number;
  updatedAt: Date;
}

/** A roll-up as stored: `children` as JSON text, or as documents in ones written before that. */
export type StoredRollupDoc = Omit<RollupDoc, 'children'> & { children: JsonText<CompetencyStanding[]> };

const fromStored = (d: StoredRollupDoc): RollupDoc => ({ ...d, children: fromJsonText(d.children) });

/** One standing to write with {@link RollupsRepository.putComputed}. */
export interface RollupWrite { learnerId: string; frameworkId: string; frameworkVersion: number; standing: CompetencyStanding }

export function rollupsRepository(db: Db) {
  const col: Collection<StoredRollupDoc> = db.collection('competency_rollups');
  const writes = coalescedWrites<StoredRollupDoc>(db, 'competency_rollups');
  return {
    collection: col,
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, generation: 1, learnerId: 1, frameworkId: 1, competencyId: 1 }, { unique: true, name: 'store_gen_cell' });
      await col.createIndex({ store: 1, generation: 1, frameworkId: 1, competencyId: 1, learnerId: 1 }, { name: 'store_gen_competency' });
      await col.createIndex({ store: 1, generation: 1, validUntil: 1 }, { name: 'store_gen_validUntil' });
    },
    /** Writes recomputed standings by their unique key; one whose children have no evidence is deleted. */
    async putComputed(store: string, generation: number, rows: RollupWrite[], now: Date): Promise<void> {
      await (await this.putComputedSequenced(store, generation, rows, now)).written;
    },
    /** {@link putComputed} that resolves once the feed entries have positions (see `StatesRepository.putComputedSequenced`). */
    async putComputedSequenced(store: string, generation: number, rows: RollupWrite[], now: Date): Promise<FeedRecord> {
      if (rows.length === 0) return { written: Promise.resolve() };
      const ops: AnyBulkWriteOperation<StoredRollupDoc>[] = rows.map((r) => {
        const filter = { store, generation, learnerId: r.learnerId, frameworkId: r.frameworkId, competencyId: r.standing.competencyId };
        return r.standing.score === null
          ? { deleteOne: { filter } }
          : { replaceOne: { filter, replacement: { ...r.standing, children: toJsonText(r.standing.children), store, generation, learnerId: r.learnerId, frameworkId: r.frameworkId, frameworkVersion: r.frameworkVersion, updatedAt: now }, upsert: true } };
      });
      await writes.write(ops);
      return recordRollupWrites(db, store, generation, rows);
    },
    async forLearner(store: string, generation: number, learnerId: string, frameworkId?: string): Promise<RollupDoc[]> {
      return (await col.find({ store, generation, learnerId, ...(frameworkId ? { frameworkId } : {}), score: { $ne: null } }, { projection: { _id: 0 } }).sort({ frameworkId: 1, competencyId: 1 }).toArray()).map(fromStored);
    },
    async expiredBetween(store: string, generation: number, after: number, upTo: number, limit: number): Promise<RollupDoc[]> {
      return (await col.find({ store, generation, validUntil: { $gt: after, $lte: upTo } }, { projection: { _id: 0 } }).sort({ validUntil: 1 }).limit(limit).toArray()).map(fromStored);
    },
    async removeLearners(store: string, learnerIds: string[]): Promise<void> {
      if (learnerIds.length > 0) await col.deleteMany({ store, learnerId: { $in: learnerIds } });
    },
    async dropGenerationsBelow(store: string, generation: number): Promise<void> {
      await col.deleteMany({ store, generation: { $lt: generation } });
    },
  };
}
export type RollupsRepository = ReturnType<typeof rollupsRepository>;
