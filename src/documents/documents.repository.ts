import { Binary, type Collection, type Db, type Filter } from 'mongodb';
import type { DocumentKey, DocumentScope } from './document-params';

/** What is stored of a document besides its key. */
export interface DocumentBody {
  /** The Content-Type it was sent with, returned on GET. */
  contentType: string;
  content: Buffer;
  /** Hex SHA-1 of `content`. */
  etag: string;
  /** When it was last stored or changed; `since` and `Last-Modified` read it. */
  updated: Date;
}

/** The MongoDB shape: key fields, body, and the store (tenant) every query starts with. */
interface DocumentDoc extends DocumentKey {
  store: string;
  contentType: string;
  content: Binary;
  etag: string;
  updated: Date;
}

/** Outcome of a conditional replace. */
export type ReplaceOutcome = 'written' | 'no-match' | 'duplicate';

export const DOCUMENTS_COLLECTION = 'documents';

/**
 * One collection for the three Document resources. The unique index on the full key is what makes
 * two concurrent creates of one document impossible; it also serves every lookup (equality on its
 * prefix store, kind, activityId, agentKey, then registration and docId).
 */
export function documentsRepository(db: Db) {
  const col: Collection<DocumentDoc> = db.collection<DocumentDoc>(DOCUMENTS_COLLECTION);
  const keyFilter = (store: string, key: DocumentKey): Filter<DocumentDoc> => ({
    store, kind: key.kind, activityId: key.activityId, agentKey: key.agentKey, registration: key.registration, docId: key.docId,
  });
  const scopeFilter = (store: string, scope: DocumentScope): Filter<DocumentDoc> => ({
    store, kind: scope.kind, activityId: scope.activityId, agentKey: scope.agentKey,
    ...(scope.registration !== undefined ? { registration: scope.registration } : {}),
  });
  const bodyFields = (body: DocumentBody) => ({ contentType: body.contentType, content: new Binary(body.content), etag: body.etag, updated: body.updated });
  const withTags = (filter: Filter<DocumentDoc>, etags: readonly string[] | undefined): Filter<DocumentDoc> =>
    (etags === undefined ? filter : { ...filter, etag: { $in: [...etags] } });

  return {
    async ensureIndexes(): Promise<void> {
      await col.createIndex(
        { store: 1, kind: 1, activityId: 1, agentKey: 1, registration: 1, docId: 1 },
        { unique: true, name: 'store_kind_key_unique' },
      );
    },

    async find(store: string, key: DocumentKey): Promise<DocumentBody | undefined> {
      const doc = await col.findOne(keyFilter(store, key), { projection: { _id: 0, contentType: 1, content: 1, etag: 1, updated: 1 } });
      if (!doc) return undefined;
      return { contentType: doc.contentType, content: binaryToBuffer(doc.content), etag: doc.etag, updated: doc.updated };
    },

    /** The current tag, without the content. */
    async findEtag(store: string, key: DocumentKey): Promise<string | undefined> {
      const doc = await col.findOne(keyFilter(store, key), { projection: { _id: 0, etag: 1 } });
      return doc?.etag;
    },

    /** Creates the document; false when it already exists (unique index). */
    async insert(store: string, key: DocumentKey, body: DocumentBody): Promise<boolean> {
      try {
        await col.insertOne({ store, ...keyOnly(key), ...bodyFields(body) });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    /**
     * Replaces the body in one atomic update: only while the tag is one of `ifEtagIn` when given
     * (compare-and-swap), creating the document when `upsert` is set. `duplicate` means a
     * concurrent writer created it between our filter and our insert: re-read and retry.
     */
    async replace(store: string, key: DocumentKey, body: DocumentBody, opts: { ifEtagIn?: readonly string[]; upsert?: boolean } = {}): Promise<ReplaceOutcome> {
      try {
        const r = await col.updateOne(
          withTags(keyFilter(store, key), opts.ifEtagIn),
          { $set: bodyFields(body), $setOnInsert: { store, ...keyOnly(key) } },
          { upsert: opts.upsert ?? false },
        );
        return r.matchedCount > 0 || r.upsertedCount > 0 ? 'written' : 'no-match';
      } catch (err) {
        if (isDuplicateKey(err)) return 'duplicate';
        throw err;
      }
    },

    /** Deletes the document (only while its tag is one of `ifEtagIn` when given); the count deleted. */
    async remove(store: string, key: DocumentKey, opts: { ifEtagIn?: readonly string[] } = {}): Promise<number> {
      const r = await col.deleteOne(withTags(keyFilter(store, key), opts.ifEtagIn));
      return r.deletedCount;
    },

    async removeAll(store: string, scope: DocumentScope): Promise<number> {
      const r = await col.deleteMany(scopeFilter(store, scope));
      return r.deletedCount;
    },

    /** Ids of the documents of a scope (stored after `since` when given, exclusive), oldest first, and the newest `updated`. */
    async listIds(store: string, scope: DocumentScope, since?: Date): Promise<{ ids: string[]; lastModified?: Date }> {
      const filter = scopeFilter(store, scope);
      if (since) filter.updated = { $gt: since };
      const docs = await col.find(filter, { projection: { _id: 0, docId: 1, updated: 1 } }).toArray();
      docs.sort((a, b) => a.updated.getTime() - b.updated.getTime() || (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
      // The same id can appear once per registration when the scope spans registrations.
      const ids = [...new Set(docs.map((d) => d.docId))];
      const last = docs.at(-1)?.updated;
      return { ids, ...(last ? { lastModified: last } : {}) };
    },
  };
}

export type DocumentsRepository = ReturnType<typeof documentsRepository>;

function keyOnly(key: DocumentKey): DocumentKey {
  return { kind: key.kind, activityId: key.activityId, agentKey: key.agentKey, registration: key.registration, docId: key.docId };
}

function binaryToBuffer(bin: Binary): Buffer {
  const bytes = bin.buffer.subarray(0, bin.position);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
