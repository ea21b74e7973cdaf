import { GridFSBucket, ObjectId, type Binary, type Collection, type Db, type GridFSBucketWriteStream } from 'mongodb';

/**
 * Attachment content of one store, stored once per sha2 (content-addressed).
 *
 * - Bytes live in the GridFS bucket `attachments` (`attachments.files` / `attachments.chunks`,
 *   255 KiB chunks), one GridFS file per upload.
 * - `attachment_contents` maps `store:sha2` to the GridFS file holding those bytes. `holds` lists
 *   the requests using it right now; `referenced` becomes true once a stored statement refers to
 *   it, and content is never deleted after that.
 * - `attachment_uploads` records an upload before its first byte is written, so the bytes of a
 *   request that died mid-upload can be found and removed later ({@link sweep}).
 *
 * Without transactions, races are settled by single-document atomic operations: a request either
 * takes a hold on existing content before relying on it, or uploads its own copy; content is
 * deleted only by an operation that requires no holds and `referenced: false` in the same filter.
 */
export interface ContentDoc {
  _id: string;
  store: string;
  sha2: string;
  fileId: ObjectId;
  length: number;
  contentType: string;
  created: Date;
  holds: string[];
  /** Last time a request took a hold; the sweep leaves recently held content alone. */
  lastHeld: Date;
  referenced: boolean;
}

interface UploadDoc { _id: ObjectId; store: string; sha2: string; started: Date }
interface ChunkDoc { files_id: ObjectId; n: number; data: Binary }

const keyOf = (store: string, sha2: string) => `${store}:${sha2}`;

export function attachmentContentsRepository(db: Db) {
  const bucket = new GridFSBucket(db, { bucketName: 'attachments' });
  const contents: Collection<ContentDoc> = db.collection('attachment_contents');
  const uploads: Collection<UploadDoc> = db.collection('attachment_uploads');
  const chunks: Collection<ChunkDoc> = db.collection('attachments.chunks');

  async function deleteFile(fileId: ObjectId): Promise<void> {
    try {
      await bucket.delete(fileId);
    } catch (err) {
      // Already gone (or never finished): its chunks were removed all the same.
      if (!/File not found/.test((err as Error).message)) throw err;
    }
  }

  return {
    async ensureIndexes(): Promise<void> {
      await Promise.all([
        contents.createIndexes([{ key: { fileId: 1 }, name: 'fileId' }, { key: { referenced: 1, lastHeld: 1 }, name: 'referenced_lastHeld' }]),
        uploads.createIndex({ started: 1 }, { name: 'started' }),
        db.collection('attachments.files').createIndex({ filename: 1, uploadDate: 1 }, { name: 'filename_1_uploadDate_1' }),
        db.collection('attachments.chunks').createIndex({ files_id: 1, n: 1 }, { name: 'files_id_1_n_1', unique: true }),
      ]);
    },

    /** Takes a hold on stored content; false when there is none (the caller uploads it). */
    async hold(store: string, sha2: string, requestId: string): Promise<boolean> {
      const r = await contents.updateOne({ _id: keyOf(store, sha2) }, { $addToSet: { holds: requestId }, $set: { lastHeld: new Date() } });
      return r.matchedCount === 1;
    },

    /** Starts an upload: records it, then opens a GridFS write stream for its bytes. */
    async openUpload(store: string, sha2: string): Promise<{ fileId: ObjectId; stream: GridFSBucketWriteStream }> {
      const fileId = new ObjectId();
      await uploads.insertOne({ _id: fileId, store, sha2, started: new Date() });
      return { fileId, stream: bucket.openUploadStreamWithId(fileId, `${store}/${sha2}`, { metadata: { store, sha2 } }) };
    },

    /** Removes an upload that will not be used (hash mismatch, rejected request). */
    async discardUpload(fileId: ObjectId): Promise<void> {
      await deleteFile(fileId);
      await uploads.deleteOne({ _id: fileId });
    },

    /**
     * Makes a finished, verified upload the content of `store:sha2` and holds it for the request.
     * When another request stored the same content first, that copy is kept and this one deleted.
     */
    async commit(input: { store: string; sha2: string; fileId: ObjectId; length: number; contentType: string; requestId: string }): Promise<void> {
      const { store, sha2, fileId, requestId } = input;
      for (let attempt = 0; ; attempt++) {
        try {
          const doc = await contents.findOneAndUpdate(
            { _id: keyOf(store, sha2) },
            {
              $setOnInsert: { store, sha2, fileId, length: input.length, contentType: input.contentType, created: new Date(), referenced: false },
              $addToSet: { holds: requestId },
              $set: { lastHeld: new Date() },
            },
            { upsert: true, returnDocument: 'after' },
          );
          if (doc && !doc.fileId.equals(fileId)) await deleteFile(fileId);
          break;
        } catch (err) {
          // Two upserts of one key raced: the loser retries and finds the winner's document.
          if ((err as { code?: number }).code !== 11000 || attempt >= 2) throw err;
        }
      }
      await uploads.deleteOne({ _id: fileId });
    },

    /** The request's statements are stored and refer to this content: it stays for good. */
    async markReferenced(store: string, shas: readonly string[], requestId: string): Promise<void> {
      if (shas.length === 0) return;
      await contents.updateMany({ _id: { $in: shas.map((s) => keyOf(store, s)) } }, { $set: { referenced: true }, $pull: { holds: requestId } });
    },

    /**
     * The request will not refer to this content: drop its holds, and delete content that nothing
     * holds and no statement refers to (so a rejected request leaves nothing behind).
     */
    async release(store: string, shas: readonly string[], requestId: string): Promise<void> {
      if (shas.length === 0) return;
      const ids = shas.map((s) => keyOf(store, s));
      await contents.updateMany({ _id: { $in: ids } }, { $pull: { holds: requestId } });
      for (const _id of ids) {
        const gone = await contents.findOneAndDelete({ _id, holds: { $size: 0 }, referenced: false });
        if (gone) await deleteFile(gone.fileId);
      }
    },

    /** Stored content of these hashes (those that exist), in the order asked. */
    async find(store: string, shas: readonly string[]): Promise<ContentDoc[]> {
      if (shas.length === 0) return [];
      const docs = await contents.find({ _id: { $in: shas.map((s) => keyOf(store, s)) } }).toArray();
      const byId = new Map(docs.map((d) => [d._id, d]));
      return shas.map((s) => byId.get(keyOf(store, s))).filter((d): d is ContentDoc => d !== undefined);
    },

    /**
     * The bytes of a stored content, streamed from its GridFS chunks a few at a time (the driver's
     * own download stream fetches up to 16 MiB per batch, which a 50 MB attachment should not cost).
     */
    openDownload(fileId: ObjectId, length: number): AsyncGenerator<Buffer> {
      const cursor = chunks.find({ files_id: fileId }, { sort: { n: 1 }, batchSize: 4, projection: { _id: 0, n: 1, data: 1 } });
      async function* read(): AsyncGenerator<Buffer> {
        let expected = 0;
        let read = 0;
        try {
          for await (const chunk of cursor) {
            if (chunk.n !== expected++) throw new Error(`attachment ${fileId.toHexString()}: chunk ${expected - 1} is missing`);
            const data = chunk.data.buffer;
            read += data.length;
            yield Buffer.from(data.buffer, data.byteOffset, data.byteLength);
          }
        } finally {
          await cursor.close();
        }
        if (read !== length) throw new Error(`attachment ${fileId.toHexString()}: ${read} bytes stored, ${length} expected`);
      }
      return read();
    },

    /**
     * Removes what crashed requests left behind, older than `before`: uploads that never became
     * content, and content that no statement refers to (`isReferenced` asks the statements).
     * Returns how many of each were removed. Safe to run from several processes at once.
     */
    async sweep(before: Date, isReferenced: (store: string, sha2: string) => Promise<boolean>): Promise<{ uploads: number; contents: number }> {
      let removedUploads = 0;
      for await (const u of uploads.find({ started: { $lt: before } })) {
        // A crash between commit and the removal of the record leaves a record of used content.
        if (!(await contents.findOne({ fileId: u._id }, { projection: { _id: 1 } }))) await deleteFile(u._id);
        await uploads.deleteOne({ _id: u._id });
        removedUploads++;
      }
      let removedContents = 0;
      for await (const c of contents.find({ referenced: false, lastHeld: { $lt: before } })) {
        if (await isReferenced(c.store, c.sha2)) {
          await contents.updateOne({ _id: c._id }, { $set: { referenced: true } });
          continue;
        }
        // Holds older than `before` belong to requests that died (none lives that long); a request
        // holding it now has moved lastHeld on, and the filter below then leaves it alone.
        const gone = await contents.findOneAndDelete({ _id: c._id, referenced: false, lastHeld: { $lt: before } });
        if (gone) {
          await deleteFile(gone.fileId);
          removedContents++;
        }
      }
      return { uploads: removedUploads, contents: removedContents };
    },
  };
}
export type AttachmentContentsRepository = ReturnType<typeof attachmentContentsRepository>;
