import type { Collection, Db } from 'mongodb';
import type { CompetencyState } from '../engine';

/** The current state of one learner on one competency, per scoring generation. */
export interface StateDoc extends CompetencyState {
  store: string;
  frameworkId: string;
  frameworkVersion: number;
  generation: number;
  updatedAt: Date;
}

export function statesRepository(db: Db) {
  const col: Collection<StateDoc> = db.collection('competency_states');
  return {
    collection: col,
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, generation: 1, learnerId: 1, frameworkId: 1, competencyId: 1 }, { unique: true, name: 'store_gen_cell' });
      await col.createIndex({ store: 1, generation: 1, frameworkId: 1, competencyId: 1, learnerId: 1 }, { name: 'store_gen_competency' });
      await col.createIndex({ store: 1, generation: 1, reassessmentDueAt: 1 }, { name: 'store_gen_due' });
    },
    async put(store: string, generation: number, frameworkId: string, frameworkVersion: number, state: CompetencyState, now: Date): Promise<void> {
      const doc: StateDoc = { ...state, store, generation, frameworkId, frameworkVersion, updatedAt: now };
      await col.replaceOne({ store, generation, learnerId: state.learnerId, frameworkId, competencyId: state.competencyId }, doc, { upsert: true });
    },
    async remove(store: string, generation: number, cell: { learnerId: string; frameworkId: string; competencyId: string }): Promise<void> {
      await col.deleteOne({ store, generation, ...cell });
    },
    get(store: string, generation: number, cell: { learnerId: string; frameworkId: string; competencyId: string }): Promise<StateDoc | null> {
      return col.findOne({ store, generation, ...cell }, { projection: { _id: 0 } });
    },
    forLearner(store: string, generation: number, learnerId: string, frameworkId?: string): Promise<StateDoc[]> {
      return col.find({ store, generation, learnerId, ...(frameworkId ? { frameworkId } : {}) }, { projection: { _id: 0 } }).sort({ frameworkId: 1, competencyId: 1 }).toArray();
    },
    async reassign(store: string, fromLearnerIds: string[]): Promise<void> {
      if (fromLearnerIds.length > 0) await col.deleteMany({ store, learnerId: { $in: fromLearnerIds } });
    },
    async dropGeneration(store: string, generation: number): Promise<void> {
      await col.deleteMany({ store, generation });
    },
  };
}
export type StatesRepository = ReturnType<typeof statesRepository>;
