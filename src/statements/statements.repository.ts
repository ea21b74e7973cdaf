import type { Collection, Db, MongoServerError } from 'mongodb';
import { STATEMENT_INDEXES, type QueryPlan } from './query-plan';
import { INHERITED_FIELDS, type StatementDoc } from './statement-doc';

/** What `findByIds` and `findReferrers` read: enough to compare, void and inherit, not the indexes. */
export type StatementHead = Pick<StatementDoc, 'id' | 'json' | 'voided' | 'voidsId' | 'refId' | 'stored' | 'line'> & Partial<Pick<StatementDoc, typeof INHERITED_FIELDS[number]>>;

const HEAD_PROJECTION = { _id: 0, id: 1, json: 1, voided: 1, voidsId: 1, refId: 1, stored: 1, line: 1, verbIds: 1, agents: 1, relatedAgents: 1, activities: 1, relatedActivities: 1, registrations: 1 } as const;

export function statementsRepository(db: Db) {
  const col: Collection<StatementDoc & { batch?: string }> = db.collection('statements');
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

    findByIds(store: string, ids: string[]): Promise<StatementHead[]> {
      if (ids.length === 0) return Promise.resolve([]);
      return col.find({ store, id: { $in: ids } }, { projection: HEAD_PROJECTION }).toArray() as Promise<StatementHead[]>;
    },

    /**
     * In one query: the stored statements with these ids, and those whose object is a StatementRef
     * to one of them. Each `$or` branch has its own index on MongoDB; a server without secondary
     * indexes (the stand-in) scans once instead of twice.
     */
    async findByIdsAndReferrers(store: string, ids: string[]): Promise<{ existing: StatementHead[]; referrers: StatementHead[] }> {
      if (ids.length === 0) return { existing: [], referrers: [] };
      const rows = await col.find({ store, $or: [{ id: { $in: ids } }, { refId: { $in: ids } }] }, { projection: HEAD_PROJECTION }).toArray() as StatementHead[];
      const wanted = new Set(ids);
      return { existing: rows.filter((r) => wanted.has(r.id)), referrers: rows.filter((r) => r.refId !== undefined && wanted.has(r.refId)) };
    },

    /**
     * Inserts a batch in order, tagged with `batch`. When the insert fails part-way (a concurrent
     * writer took one of the ids), the statements of this batch that did land are removed again, so
     * a request never leaves a partial batch behind, and the error is rethrown.
     */
    async insertBatch(docs: StatementDoc[], batch: string): Promise<void> {
      if (docs.length === 0) return;
      try {
        await col.insertMany(docs.map((d) => ({ ...d, batch })), { ordered: true });
      } catch (err) {
        await col.deleteMany({ store: docs[0]!.store, batch });
        throw err;
      }
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
