import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../statements/statements.repository';

interface SeqDoc { store: string; learnerId: string; seq: number }

/**
 * A counter per learner that orders state recomputations. Without transactions, two jobs for one
 * learner can both write evidence, read it and write states in any interleaving; the state must
 * end up computed from the *last* read. Each job draws a number after writing its evidence and
 * before reading it back, and states are written only over lower numbers: the job with the highest
 * number read after every evidence write that drew a lower one, so its state is complete.
 */
export function scoringSeqsRepository(db: Db) {
  const col: Collection<SeqDoc> = db.collection('scoring_seqs');
  return {
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, learnerId: 1 }, { unique: true, name: 'store_learner' });
    },
    async next(store: string, learnerId: string): Promise<number> {
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
  };
}
export type ScoringSeqsRepository = ReturnType<typeof scoringSeqsRepository>;
