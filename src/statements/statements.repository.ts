import { ObjectId, type Collection, type Db, type MongoServerError } from 'mongodb';
import { STATEMENT_INDEXES, type QueryPlan } from './query-plan';
import { coalescedReads, coalescedWrites } from '../storage/coalesce';
import { INHERITED_FIELDS, type StatementDoc } from './statement-doc';

/** What `findByIds` and `findReferrers` read: enough to compare, void and inherit, not the indexes. */
export type StatementHead = Pick<StatementDoc, 'id' | 'json' | 'voided' | 'voidsId' | 'refId' | 'stored' | 'line'> & Partial<Pick<StatementDoc, typeof INHERITED_FIELDS[number]>>;

const HEAD_PROJECTION = { _id: 0, id: 1, json: 1, voided: 1, voidsId: 1, refId: 1, stored: 1, line: 1, verbIds: 1, agents: 1, relatedAgents: 1, activities: 1, relatedActivities: 1, registrations: 1 } as const;

/** Up to this many ids are looked up one by one (see `findByIds`). */
const FEW = 16;

/** A target's referrers (`statement_refs`). */
interface RefsDoc { _id: string; referrers: Array<{ id: string; voiding: boolean }>; at?: Date }
const refKey = (store: string, targetId: string) => `${store}\u0001${targetId}`;
const BACKFILLED = '\u0000backfilled';

export function statementsRepository(db: Db) {
  const col: Collection<StatementDoc> = db.collection('statements');
  const refsCol: Collection<RefsDoc> = db.collection('statement_refs');
  // Concurrent requests' inserts and reference lookups share round trips (storage/coalesce.ts):
  // under load, single-statement POSTs are the common case, and each round trip costs about as
  // much as the work it carries.
  const writes = coalescedWrites<StatementDoc>(db, 'statements');
  const refReads = coalescedReads<RefsDoc>(db, 'statement_refs');
  return {
    collection: col,

    async ensureIndexes(): Promise<void> {
      // The attachment index serves the clean-up of attachment content (is a sha2 still used?).
      await col.createIndexes([...STATEMENT_INDEXES, { key: { store: 1, attachmentShas: 1 }, name: 'store_attachmentShas' }]);
    },

    /** Whether a stored statement of the store carries the content of this attachment. */
    async referencesAttachment(store: string, sha2: string): Promise<boolean> {
      return (await col.findOne({ store, attachmentShas: sha2 }, { projection: { _id: 1 } })) !== null;
    },

    /**
     * The stored statements with these ids. A few ids are looked up one by one, each by the whole
     * `{store, id}` unique key: a server without `$in` support in its indexes (the stand-in, see
     * ../shared/TEST-SERVICES.md) would scan the collection for an `$in`.
     */
    async findByIds(store: string, ids: string[]): Promise<StatementHead[]> {
      if (ids.length === 0) return [];
      if (ids.length <= FEW) {
        const rows = await Promise.all(ids.map((id) => col.findOne({ store, id }, { projection: HEAD_PROJECTION }) as Promise<StatementHead | null>));
        return rows.filter((r): r is StatementHead => r !== null);
      }
      return col.find({ store, id: { $in: ids } }, { projection: HEAD_PROJECTION }).toArray() as Promise<StatementHead[]>;
    },

    /**
     * Records, before a statement whose object is a StatementRef is inserted, that it references its
     * target (`statement_refs`, one document per target keyed by `_id`), so that a target stored
     * later finds its referrers with an `_id` lookup rather than a query on `refId` (a collection
     * scan on the stand-in). An entry whose statement then failed to insert is harmless:
     * {@link findReferrers} keeps only referrers that are stored.
     */
    async recordRefs(store: string, refs: ReadonlyArray<{ id: string; refId: string; voiding: boolean }>): Promise<void> {
      if (refs.length === 0) return;
      await refsCol.bulkWrite(refs.map((r) => ({
        updateOne: { filter: { _id: refKey(store, r.refId) }, update: { $addToSet: { referrers: { id: r.id, voiding: r.voiding } } }, upsert: true },
      })), { ordered: false });
    },

    /** The stored statements whose object is a StatementRef to one of these ids. */
    async findReferrers(store: string, ids: string[]): Promise<StatementHead[]> {
      if (ids.length === 0) return [];
      const entries = await refReads.find(ids.map((id) => refKey(store, id)));
      const candidates = [...new Set(entries.flatMap((e) => e.referrers.map((r) => r.id)))];
      const wanted = new Set(ids);
      return (await this.findByIds(store, candidates)).filter((r) => r.refId !== undefined && wanted.has(r.refId));
    },

    /**
     * Fills `statement_refs` from statements stored before it existed (once per database; a marker
     * document says it is done). Idempotent, so processes starting together may all run it.
     */
    async backfillRefs(): Promise<number> {
      if ((await refsCol.findOne({ _id: BACKFILLED })) !== null) return 0;
      let n = 0;
      let batch: Array<{ store: string; id: string; refId: string; voiding: boolean }> = [];
      const flush = async () => {
        const byStore = new Map<string, typeof batch>();
        for (const r of batch) byStore.set(r.store, [...(byStore.get(r.store) ?? []), r]);
        for (const [store, refs] of byStore) await this.recordRefs(store, refs);
        n += batch.length;
        batch = [];
      };
      for await (const d of col.find({ refId: { $exists: true } }, { projection: { _id: 0, store: 1, id: 1, refId: 1, voidsId: 1 } })) {
        batch.push({ store: d.store, id: d.id, refId: d.refId as string, voiding: d.voidsId !== undefined });
        if (batch.length >= 1000) await flush();
      }
      await flush();
      await refsCol.updateOne({ _id: BACKFILLED }, { $set: { referrers: [], at: new Date() } }, { upsert: true });
      return n;
    },

    /**
     * Inserts a batch (with the inserts of concurrent requests, in one unordered round trip) and
     * returns the `_id`s given to its documents, in order. When any of them fails (one of the ids is
     * stored already, or a concurrent writer took it), the documents of this batch that did land are
     * removed again by `_id`, so a request never leaves a partial batch behind, and the error is
     * rethrown.
     */
    async insertBatch(docs: StatementDoc[]): Promise<ObjectId[]> {
      if (docs.length === 0) return [];
      const rows: Array<StatementDoc & { _id: ObjectId }> = docs.map((d) => ({ ...d, _id: new ObjectId() }));
      try {
        await writes.write(rows.map((r) => ({ insertOne: { document: r } })));
      } catch (err) {
        // Unordered: any of the rows may have landed (and, after a network error, any may have).
        await col.deleteMany({ _id: { $in: rows.map((r) => r._id) } });
        throw err;
      }
      return rows.map((r) => r._id);
    },

    /** Marks targets voided. Voiding statements cannot be voided (xAPI 1.0.3 Data §2.3.2). */
    async markVoided(store: string, ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await col.updateMany({ store, id: { $in: ids }, voidsId: { $exists: false } }, { $set: { voided: true } });
    },

    /** Adds a target's query fields to statements that reference it. */
    async inherit(store: string, referrerIds: string[], fields: Partial<Record<typeof INHERITED_FIELDS[number], string[]>>): Promise<void> {
      const addToSet: Record<string, { $each: string[] }> = {};
      for (const [k, v] of Object.entries(fields)) if (v && v.length > 0) addToSet[k] = { $each: v };
      if (referrerIds.length === 0 || Object.keys(addToSet).length === 0) return;
      await col.updateMany({ store, id: { $in: referrerIds } }, { $addToSet: addToSet });
    },

    /** One page of a statement query, plus one row to tell whether more exist. */
    async query(plan: QueryPlan, limit: number): Promise<Array<Pick<StatementDoc, '_id' | 'json' | 'stored' | 'line' | 'attachmentShas'>>> {
      // The hint pins the planned index on real MongoDB, so no query can fall back to a collection scan.
      return col.find(plan.filter, { projection: { _id: 1, json: 1, stored: 1, line: 1, attachmentShas: 1 }, sort: plan.sort, limit: limit + 1, hint: plan.index }).toArray();
    },

    async findOne(store: string, id: string, voided: boolean): Promise<Pick<StatementDoc, 'json' | 'stored' | 'line' | 'authorityKey' | 'attachmentShas'> | null> {
      return col.findOne({ store, id, voided }, { projection: { _id: 0, json: 1, stored: 1, line: 1, authorityKey: 1, attachmentShas: 1 } });
    },
  };
}
export type StatementsRepository = ReturnType<typeof statementsRepository>;

export function isDuplicateKeyError(err: unknown): err is MongoServerError {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
