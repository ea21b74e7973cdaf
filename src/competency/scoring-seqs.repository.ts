import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../statements/statements.repository';

interface SeqDoc { store: string; learnerId: string; seq: number }

/**
 * A counter per learner of changes to its evidence (see `recompute-cells.ts`): whoever changes a
 * learner's evidence bumps it afterwards; a recomputation reads it before reading the evidence and
 * again after writing states, and goes round again if it moved.
 */
export function scoringSeqsRepository(db: Db) {
  const col: Collection<SeqDoc> = db.collection('scoring_seqs');
  return {
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, learnerId: 1 }, { unique: true, name: 'store_learner' });
    },
    /** Counts one change of the learner's evidence (call it after the change is written). */
    async bump(store: string, learnerId: string): Promise<number> {
      for (let attempt = 0; ; attempt++) {
        try {
          const doc = await col.findOneAndUpdate({ store, learnerId }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after', projection: { _id: 0, seq: 1 } });
          return doc?.seq ?? 1;
        } catch (err) {
          // Two first draws for a new learner race on the upsert; the loser retries as an update.
          if (!isDuplicateKeyError(err) || attempt >= 2) throw err;
        }
      }
    },
    /** The learner's count of evidence changes (0 if none). */
    async current(store: string, learnerId: string): Promise<number> {
      const doc = await col.findOne({ store, learnerId }, { projection: { _id: 0, seq: 1 } });
      return doc?.seq ?? 0;
    },
  };
}
export type ScoringSeqsRepository = ReturnType<typeof scoringSeqsRepository>;
