import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import { decodeKeys, encodeKey, encodeKeys } from '../statements/model/key-codec';
import type { JsonObject } from '../statements/model/statement-types';

/** Canonical Activity. `def` keys are escaped by the key codec (extension keys are IRIs). */
export interface ActivityDoc {
  store: string;
  id: string;
  def?: JsonObject;
  updated: Date;
}

/** Properties whose values merge key by key rather than being replaced (xAPI 1.0.3 Data §2.4.4.1). */
const MERGED_MAPS = new Set(['name', 'description', 'extensions']);

/**
 * The `$set` paths that merge a definition into the stored one in a single atomic update: one path
 * per language (and per extension key), one per other property. No read-modify-write, so
 * concurrent writers cannot lose each other's languages.
 */
export function mergePaths(definition: JsonObject): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [prop, value] of Object.entries(definition)) {
    const p = `def.${encodeKey(prop)}`;
    if (MERGED_MAPS.has(prop) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) set[`${p}.${encodeKey(k)}`] = encodeKeys(v);
    } else {
      set[p] = encodeKeys(value);
    }
  }
  return set;
}

export function activitiesRepository(db: Db) {
  const col: Collection<ActivityDoc> = db.collection('activities');
  return {
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, id: 1 }, { unique: true, name: 'store_id' });
    },
    async findOne(store: string, id: string): Promise<{ id: string; definition?: JsonObject } | null> {
      const doc = await col.findOne({ store, id }, { projection: { _id: 0 } });
      return doc ? { id: doc.id, definition: doc.def ? decodeKeys(doc.def) : undefined } : null;
    },
    /** Records activities, merging definitions where given. Idempotent; safe under concurrency. */
    async merge(store: string, items: Array<{ id: string; definition?: JsonObject }>, now: Date): Promise<void> {
      const ops: AnyBulkWriteOperation<ActivityDoc>[] = items.map((it) => ({
        updateOne: {
          filter: { store, id: it.id },
          // Only a definition change rewrites the document: shared activities (a course, a cmi5
          // category) are mentioned by nearly every statement and must not be rewritten by each.
          update: it.definition
            ? { $setOnInsert: { store, id: it.id }, $set: { updated: now, ...mergePaths(it.definition) } }
            : { $setOnInsert: { store, id: it.id, updated: now } },
          upsert: true,
        },
      }));
      for (let attempt = 0; ops.length > 0; attempt++) {
        try {
          await col.bulkWrite(ops, { ordered: false });
          return;
        } catch (err) {
          // Two first upserts of one id race on the unique index: the loser runs again as an update.
          const errors = (err as { writeErrors?: Array<{ index: number; code: number }> }).writeErrors;
          if (!errors || attempt >= 3 || errors.some((e) => e.code !== 11000)) throw err;
          const retry = new Set(errors.map((e) => e.index));
          const again = ops.filter((_, i) => retry.has(i));
          ops.length = 0;
          ops.push(...again);
        }
      }
    },
  };
}
export type ActivitiesRepository = ReturnType<typeof activitiesRepository>;
