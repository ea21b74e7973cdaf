import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../statements/statements.repository';
import { coalescedReads, coalescedWrites } from '../storage/coalesce';

/** An xAPI statement the competency pipeline wrote back to the LRS (validation or expiry). */
export interface WritebackDoc {
  store: string;
  /** The written statement's id (a name-based UUID of the event, see `write-back.ts`). */
  statementId: string;
  kind: 'validated' | 'expired';
  learnerId: string;
  frameworkId: string;
  competencyId: string;
  /** When the event happened: the validation's start, or its end for an expiry. */
  at: Date;
  writtenAt: Date;
}

/** Per store, how far the sweep looked for expiries; and one document of scan requests. */
interface SweepMarkDoc { _id: string; expiryCheckedUpTo?: number; at?: Date }

/** `_id` of the document of scan requests (no store id starts with U+0000). */
const SCAN_REQUEST_ID = '\u0000scan-requested';

/**
 * What was last announced for one learner's competency (generation-independent: announcements
 * are about the person). Validation episodes are counted rather than identified by their start
 * time, because a late statement can move a validation's replayed start without making it a new
 * event.
 */
export interface AnnouncementMark {
  _id: string;
  store: string;
  learnerId: string;
  frameworkId: string;
  competencyId: string;
  /** Whether the last announcement (or recomputation seen) had the competency validated. */
  validated: boolean;
  level: string | null;
  /** Validation events of the leaf state when last seen (roll-ups: 0). */
  events: number;
  /** `asserted` statements written for this cell so far (their ids are derived from this count). */
  announced: number;
  updatedAt: Date;
}

export function markId(store: string, learnerId: string, frameworkId: string, competencyId: string): string {
  return [store, learnerId, frameworkId, competencyId].join('\u0001');
}

/**
 * The ledger of written-back statements (so a recomputation that sees the same validation again
 * does not even try to store it again) and, per store, how far the sweep has looked for expired
 * validations.
 */
export function writebacksRepository(db: Db) {
  const col: Collection<WritebackDoc> = db.collection('competency_writebacks');
  const marks: Collection<SweepMarkDoc> = db.collection('competency_sweeps');
  const markReads = coalescedReads<AnnouncementMark>(db, 'competency_announcements');
  const markWrites = coalescedWrites<AnnouncementMark>(db, 'competency_announcements');
  const ledgerWrites = coalescedWrites<WritebackDoc>(db, 'competency_writebacks');
  return {
    collection: col,
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, statementId: 1 }, { unique: true, name: 'store_statement' });
      await col.createIndex({ store: 1, learnerId: 1, frameworkId: 1, competencyId: 1, at: 1 }, { name: 'store_learner_cell' });
    },
    async has(store: string, statementId: string): Promise<boolean> {
      return (await col.findOne({ store, statementId }, { projection: { _id: 1 } })) !== null;
    },
    async record(doc: WritebackDoc): Promise<void> {
      try {
        await ledgerWrites.write({ insertOne: { document: { ...doc } } });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
    },
    list(store: string, learnerId?: string, limit = 100): Promise<WritebackDoc[]> {
      return col.find({ store, ...(learnerId ? { learnerId } : {}) }, { projection: { _id: 0 } }).sort({ at: -1 }).limit(limit).toArray();
    },
    /** Announcement marks by id (one round trip). */
    async marks(ids: string[]): Promise<Map<string, AnnouncementMark>> {
      if (ids.length === 0) return new Map();
      const docs = await markReads.find([...new Set(ids)]);
      return new Map(docs.map((d) => [d._id, d]));
    },
    async setMark(mark: AnnouncementMark): Promise<void> {
      await markWrites.write({ replaceOne: { filter: { _id: mark._id }, replacement: mark, upsert: true } });
    },
    /** Epoch ms up to which expiries were announced; `null` before the first sweep of the store. */
    async expiryCheckedUpTo(store: string): Promise<number | null> {
      const d = await marks.findOne({ _id: store });
      return d?.expiryCheckedUpTo ?? null;
    },
    async setExpiryCheckedUpTo(store: string, upTo: number): Promise<void> {
      await marks.updateOne({ _id: store }, { $max: { expiryCheckedUpTo: upTo } }, { upsert: true });
    },
    /**
     * Asks the next sweep to read MongoDB for statements still marked to score (an API process
     * could not enqueue some, or started after one that may have died). Best effort: the periodic
     * read finds them anyway.
     */
    async requestScan(at = new Date()): Promise<void> {
      await marks.updateOne({ _id: SCAN_REQUEST_ID }, { $max: { at } }, { upsert: true });
    },
    /** When a scan was last asked for ({@link requestScan}), if ever. */
    async scanRequestedAt(): Promise<Date | undefined> {
      return (await marks.findOne({ _id: SCAN_REQUEST_ID }))?.at;
    },
  };
}
export type WritebacksRepository = ReturnType<typeof writebacksRepository>;
