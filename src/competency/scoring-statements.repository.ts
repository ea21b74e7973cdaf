import { ObjectId, type Collection, type Db } from 'mongodb';
import type { StatementDoc } from '../statements/statement-doc';
import { coalescedReads, coalescedWrites, findOneDirect } from '../storage/coalesce';

/** What scoring reads of a stored statement. */
export type ScoringStatement = Pick<StatementDoc, 'id' | 'json' | 'voided' | 'voidsId' | 'stored' | 'toScore' | 'authorityKey'> & { _id: ObjectId };

const PROJECTION = { _id: 1, id: 1, json: 1, voided: 1, voidsId: 1, stored: 1, toScore: 1, authorityKey: 1 } as const;

/**
 * The competency pipeline's view of the `statements` collection (owned by the statements
 * resource): load a statement to score, clear its `toScore` mark, find statements still marked,
 * and walk a store's statements in `stored` order for a rebuild. Every query is served by an index
 * of `query-plan.ts` (`store_id`, `store_toScore_stored`, `store_voided_stored`).
 */
export function scoringStatementsRepository(db: Db) {
  const col: Collection<StatementDoc> = db.collection('statements');
  const writes = coalescedWrites<StatementDoc>(db, 'statements');
  const reads = coalescedReads<StatementDoc>(db, 'statements');
  return {
    /**
     * The statement to score. With the hex `_id` of its document (what the producer enqueues), one
     * `_id` read coalesced with other jobs'; else (or when that document is not this statement) by
     * the whole `{ store, id }` key.
     */
    async find(store: string, id: string, oid?: string): Promise<ScoringStatement | null> {
      if (oid !== undefined) {
        const [d] = await reads.find([new ObjectId(oid)], { projection: { ...PROJECTION, store: 1 } });
        if (d !== undefined && d.store === store && d.id === id) {
          const { store: _store, ...doc } = d;
          return doc as ScoringStatement;
        }
      }
      return findOneDirect<ScoringStatement>(db, 'statements', { store, id }, { projection: PROJECTION });
    },
    findMany(store: string, ids: string[]): Promise<ScoringStatement[]> {
      if (ids.length === 0) return Promise.resolve([]);
      return col.find({ store, id: { $in: ids } }, { projection: PROJECTION }).toArray() as Promise<ScoringStatement[]>;
    },
    /** Clears the mark (by the whole unique key; coalesced with other jobs' writes). */
    async clear(store: string, id: string): Promise<void> {
      await writes.write({ updateOne: { filter: { store, id }, update: { $set: { toScore: false } } } });
    },
    /**
     * Whether the statement with this `_id` (as {@link find} returned it) is voided, or gone, now:
     * one `_id` read, coalesced with other jobs' (a `{ store, id }` read cannot be batched on the
     * stand-in, where `$in` on anything but `_id` is a collection scan).
     */
    async voidedNow(oid: ObjectId): Promise<boolean> {
      const [d] = await reads.find([oid], { projection: { _id: 1, voided: 1 } });
      return d === undefined || d.voided === true;
    },
    /** Ids among these that are voided now. */
    async voidedAmong(store: string, ids: string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const docs = await col.find({ store, id: { $in: ids }, voided: true }, { projection: { _id: 0, id: 1 } }).toArray();
      return docs.map((d) => d.id);
    },
    /** Statements still marked to score that were stored before `storedBefore`, oldest first. */
    async pending(store: string, storedBefore: Date, limit: number): Promise<Array<{ _id: ObjectId; id: string; stored: Date }>> {
      return col.find({ store, toScore: true, stored: { $lt: storedBefore } }, { projection: { _id: 1, id: 1, stored: 1 } }).sort({ stored: 1 }).limit(limit).toArray();
    },
    countLive(store: string): Promise<number> {
      return col.countDocuments({ store, voided: false });
    },
    /** One page of a store's non-voided statements in `stored` order, after a (stored, _id) position. */
    livePage(store: string, after: { stored: Date; oid: ObjectId } | null, limit: number): Promise<ScoringStatement[]> {
      const filter: Record<string, unknown> = { store, voided: false };
      if (after) filter.$or = [{ stored: { $gt: after.stored } }, { stored: after.stored, _id: { $gt: after.oid } }];
      return col.find(filter, { projection: PROJECTION }).sort({ stored: 1, _id: 1 }).limit(limit).toArray() as Promise<ScoringStatement[]>;
    },
  };
}
export type ScoringStatementsRepository = ReturnType<typeof scoringStatementsRepository>;
