import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { EvidenceItem } from '../engine';
import { coalescedWrites } from '../storage/coalesce';

/**
 * The evidence log: one row per (statement, competency, rule) and scoring generation, written
 * idempotently (a retried job rewrites the same rows). Voiding does not delete: it sets
 * `retractedAt`, so the trail shows what was withdrawn and when.
 */
export interface EvidenceDoc extends EvidenceItem {
  store: string;
  frameworkId: string;
  /** Scoring generation (see `generations.repository.ts`); a rebuild writes a new one. */
  generation: number;
  retractedAt?: Date;
  /** Why the row was retracted, e.g. `voided by <statement id>`. */
  retractedBy?: string;
}

export function evidenceRepository(db: Db) {
  const col: Collection<EvidenceDoc> = db.collection('evidence');
  const writes = coalescedWrites<EvidenceDoc>(db, 'evidence');
  return {
    collection: col,
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, generation: 1, statementId: 1, frameworkId: 1, competencyId: 1, ruleId: 1 }, { unique: true, name: 'store_gen_statement_item' });
      await col.createIndex({ store: 1, generation: 1, learnerId: 1, frameworkId: 1, competencyId: 1, observedAt: 1 }, { name: 'store_gen_learner_competency' });
    },
    /** Writes rows, replacing any earlier write of the same key (retries and replays are harmless). */
    async upsert(store: string, generation: number, rows: Array<EvidenceItem & { frameworkId: string }>): Promise<void> {
      if (rows.length === 0) return;
      const ops: AnyBulkWriteOperation<EvidenceDoc>[] = rows.map((r) => ({
        replaceOne: {
          filter: { store, generation, statementId: r.statementId, frameworkId: r.frameworkId, competencyId: r.competencyId, ruleId: r.ruleId },
          replacement: { ...r, store, generation },
          upsert: true,
        },
      }));
      await writes.write(ops);
    },
    /** Retracts the evidence of statements (voiding); returns the (learner, framework, competency) cells touched. */
    async retract(store: string, generation: number, statementIds: string[], by: string, at: Date): Promise<Array<{ learnerId: string; frameworkId: string; competencyId: string }>> {
      if (statementIds.length === 0) return [];
      const rows = await col.find({ store, generation, statementId: { $in: statementIds }, retractedAt: { $exists: false } }, { projection: { learnerId: 1, frameworkId: 1, competencyId: 1 } }).toArray();
      if (rows.length > 0) await col.updateMany({ store, generation, statementId: { $in: statementIds }, retractedAt: { $exists: false } }, { $set: { retractedAt: at, retractedBy: by } });
      return rows.map((r) => ({ learnerId: r.learnerId, frameworkId: r.frameworkId, competencyId: r.competencyId }));
    },
    /**
     * Every (learner, framework, competency) cell that statements gave evidence to, retracted or not:
     * a retried voiding job must recompute the cells an earlier attempt already retracted.
     */
    async cellsOf(store: string, generation: number, statementIds: string[]): Promise<Array<{ learnerId: string; frameworkId: string; competencyId: string; statementId: string; ruleId: string }>> {
      if (statementIds.length === 0) return [];
      const rows = await col.find({ store, generation, statementId: { $in: statementIds } }, { projection: { _id: 0, learnerId: 1, frameworkId: 1, competencyId: 1, statementId: 1, ruleId: 1 } }).toArray();
      return rows.map((r) => ({ learnerId: r.learnerId, frameworkId: r.frameworkId, competencyId: r.competencyId, statementId: r.statementId, ruleId: r.ruleId }));
    },
    /** Live evidence of one learner for one competency (what the state is computed from). */
    forCell(store: string, generation: number, cell: { learnerId: string; frameworkId: string; competencyId: string }): Promise<EvidenceDoc[]> {
      return col.find({ store, generation, learnerId: cell.learnerId, frameworkId: cell.frameworkId, competencyId: cell.competencyId, retractedAt: { $exists: false } }, { projection: { _id: 0 } }).sort({ observedAt: 1 }).toArray();
    },
    /** Live evidence of one learner, optionally only for some frameworks (what roll-ups and relinks recompute from). */
    forLearner(store: string, generation: number, learnerId: string, frameworkIds?: string[]): Promise<EvidenceDoc[]> {
      const fw = frameworkIds === undefined ? {} : { frameworkId: { $in: frameworkIds } };
      return col.find({ store, generation, learnerId, ...fw, retractedAt: { $exists: false } }, { projection: { _id: 0 } }).toArray();
    },
    /** Live evidence of several cells of one learner, in one query. */
    forCells(store: string, generation: number, learnerId: string, cells: Array<{ frameworkId: string; competencyId: string }>): Promise<EvidenceDoc[]> {
      if (cells.length === 0) return Promise.resolve([]);
      const frameworkIds = [...new Set(cells.map((c) => c.frameworkId))];
      const competencyIds = [...new Set(cells.map((c) => c.competencyId))];
      return col.find({ store, generation, learnerId, frameworkId: { $in: frameworkIds }, competencyId: { $in: competencyIds }, retractedAt: { $exists: false } }, { projection: { _id: 0 } }).toArray();
    },
    /** The full trail including retracted rows, for explanations. */
    trail(store: string, generation: number, cell: { learnerId: string; frameworkId: string; competencyId: string }): Promise<EvidenceDoc[]> {
      return col.find({ store, generation, learnerId: cell.learnerId, frameworkId: cell.frameworkId, competencyId: cell.competencyId }, { projection: { _id: 0 } }).sort({ observedAt: 1 }).toArray();
    },
    /** Moves an implicit learner's evidence to the learner who now claims the identity. */
    async reassign(store: string, fromLearnerIds: string[], toLearnerId: string): Promise<void> {
      if (fromLearnerIds.length === 0) return;
      await col.updateMany({ store, learnerId: { $in: fromLearnerIds } }, { $set: { learnerId: toLearnerId } });
    },
    async dropGeneration(store: string, generation: number): Promise<void> {
      await col.deleteMany({ store, generation });
    },
    /** Drops every generation below this one (after a rebuild switched; also late writes of jobs that read the old generations). */
    async dropGenerationsBelow(store: string, generation: number): Promise<void> {
      await col.deleteMany({ store, generation: { $lt: generation } });
    },
  };
}
export type EvidenceRepository = ReturnType<typeof evidenceRepository>;
