import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import { coalescedWrites } from '../storage/coalesce';

/**
 * Statements (or single rule outputs) that scoring could not evaluate, with the reason: a rule
 * reading `result.score.scaled` from a statement without one, an observation without an assessor,
 * an actor without an identifier. A skip is data, never an error: the job succeeds and the API
 * lists these so authors can fix their rules or content.
 */
export interface SkipDoc {
  store: string;
  generation: number;
  statementId: string;
  /** `''` when the statement as a whole was skipped before any framework was looked at. */
  frameworkId: string;
  /** `''` when the skip is not about one rule. */
  ruleId: string;
  /** `''` when the skip is not about one competency. */
  competencyId: string;
  reason: string;
  /** When the statement was stored (skips are listed newest first by this). */
  storedAt: Date;
  recordedAt: Date;
}

export type SkipInput = Pick<SkipDoc, 'statementId' | 'reason' | 'storedAt'> & Partial<Pick<SkipDoc, 'frameworkId' | 'ruleId' | 'competencyId'>>;

export function scoringSkipsRepository(db: Db) {
  const col: Collection<SkipDoc> = db.collection('scoring_skips');
  const writes = coalescedWrites<SkipDoc>(db, 'scoring_skips');
  return {
    collection: col,
    async ensureIndexes(): Promise<void> {
      // One row per (statement, framework, rule, competency) and generation: a retried job rewrites it.
      await col.createIndex({ store: 1, generation: 1, statementId: 1, frameworkId: 1, ruleId: 1, competencyId: 1 }, { unique: true, name: 'store_gen_statement_skip' });
      await col.createIndex({ store: 1, generation: 1, storedAt: -1 }, { name: 'store_gen_storedAt' });
      await col.createIndex({ store: 1, generation: 1, frameworkId: 1, ruleId: 1, storedAt: -1 }, { name: 'store_gen_rule_storedAt' });
    },
    async record(store: string, generation: number, skips: SkipInput[], now: Date): Promise<void> {
      if (skips.length === 0) return;
      const ops: AnyBulkWriteOperation<SkipDoc>[] = skips.map((s) => {
        const key = { store, generation, statementId: s.statementId, frameworkId: s.frameworkId ?? '', ruleId: s.ruleId ?? '', competencyId: s.competencyId ?? '' };
        return { replaceOne: { filter: key, replacement: { ...key, reason: s.reason, storedAt: s.storedAt, recordedAt: now }, upsert: true } };
      });
      await writes.write(ops);
    },
    /** Skips of a generation, newest statements first; `frameworkId` / `ruleId` narrow the list. */
    list(store: string, generation: number, opts: { frameworkId?: string; ruleId?: string; limit?: number; before?: Date } = {}): Promise<SkipDoc[]> {
      const q: Record<string, unknown> = { store, generation };
      if (opts.frameworkId !== undefined) q.frameworkId = opts.frameworkId;
      if (opts.ruleId !== undefined) q.ruleId = opts.ruleId;
      if (opts.before !== undefined) q.storedAt = { $lt: opts.before };
      return col.find(q, { projection: { _id: 0 } }).sort({ storedAt: -1 }).limit(opts.limit ?? 100).toArray();
    },
    async dropGenerationsBelow(store: string, generation: number): Promise<void> {
      await col.deleteMany({ store, generation: { $lt: generation } });
    },
  };
}
export type ScoringSkipsRepository = ReturnType<typeof scoringSkipsRepository>;
