import type { Collection, Db } from 'mongodb';

/**
 * Which scoring generation a store reads, and which one a rebuild is writing. Live scoring writes
 * to both while a rebuild runs; when the rebuild finishes, `active` switches in one update and the
 * old generation is dropped, so readers never see a half-built state.
 */
export interface GenerationDoc {
  _id: string; // store id
  active: number;
  building?: number;
  buildingSince?: Date;
  switchedAt?: Date;
}

export function generationsRepository(db: Db) {
  const col: Collection<GenerationDoc> = db.collection('scoring_generations');
  return {
    /** The store's generations; a store never scored before starts at generation 1. */
    async get(store: string): Promise<{ active: number; building?: number }> {
      const doc = await col.findOneAndUpdate({ _id: store }, { $setOnInsert: { active: 1 } }, { upsert: true, returnDocument: 'after' });
      return { active: doc?.active ?? 1, building: doc?.building };
    },
    /** Like {@link get} but read-only (the hot path of every scoring job): a store never scored reads as generation 1. */
    async peek(store: string): Promise<{ active: number; building?: number }> {
      const doc = await col.findOne({ _id: store });
      return { active: doc?.active ?? 1, building: doc?.building };
    },
    /** Starts a rebuild; returns the generation to build, or null when one is already running. */
    async beginBuild(store: string, now: Date): Promise<number | null> {
      const { active } = await this.get(store);
      const r = await col.updateOne({ _id: store, building: { $exists: false } }, { $set: { building: active + 1, buildingSince: now } });
      return r.modifiedCount === 1 ? active + 1 : null;
    },
    /** Makes the built generation the active one; returns the generation it replaced. */
    async switchTo(store: string, generation: number, now: Date): Promise<number | null> {
      const before = await col.findOneAndUpdate({ _id: store, building: generation }, { $set: { active: generation, switchedAt: now }, $unset: { building: '', buildingSince: '' } }, { returnDocument: 'before' });
      return before ? before.active : null;
    },
    async abandonBuild(store: string, generation: number): Promise<void> {
      await col.updateOne({ _id: store, building: generation }, { $unset: { building: '', buildingSince: '' } });
    },
  };
}
export type GenerationsRepository = ReturnType<typeof generationsRepository>;
