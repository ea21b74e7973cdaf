import type { Collection, Db } from 'mongodb';
import { recordLearnerWrites } from '../analytics/feed-hooks';
import { coalescedReads } from '../storage/coalesce';

/** Attributes analytics slice by. All optional; `roleAssignedAt` starts time-to-competency. */
export interface LearnerAttributes {
  name?: string;
  role?: string;
  team?: string;
  manager?: string;
  cohort?: string;
  startDate?: string;
  roleAssignedAt?: string;
}

/**
 * A person: one or more xAPI agent identities (IFI keys, as `agentIfiKey` makes them) and
 * attributes. Statements about an identity no learner claims create an implicit learner.
 */
export interface LearnerDoc {
  store: string;
  learnerId: string;
  identities: string[];
  attributes: LearnerAttributes;
  implicit: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * `_id` of the implicit learner of an identity. Explicit learners have ObjectIds; implicit ones
 * (created by scoring) have this id, so scoring can check one still exists with an `_id` read
 * (see {@link LearnersRepository.implicitStillHolds}). Implicit learners stored before this id was
 * introduced have ObjectIds; the check falls back to the identity lookup for them.
 */
const IMPLICIT = 'implicit:';

export function implicitLearnerDocId(store: string, identity: string): string {
  return `implicit\u0001${store}\u0001${identity}`;
}

export function learnersRepository(db: Db) {
  const col: Collection<LearnerDoc> = db.collection('learners');
  const implicitCol = col as unknown as Collection<LearnerDoc & { _id: string }>;
  const reads = coalescedReads<LearnerDoc & { _id: string }>(db, 'learners');
  return {
    collection: col,
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, learnerId: 1 }, { unique: true, name: 'store_learner' });
      // One identity belongs to one learner: the unique multikey index enforces it.
      await col.createIndex({ store: 1, identities: 1 }, { unique: true, name: 'store_identity' });
      await col.createIndex({ store: 1, 'attributes.role': 1 }, { name: 'store_role' });
      await col.createIndex({ store: 1, 'attributes.team': 1 }, { name: 'store_team' });
    },
    /** Implicit learners are read by `_id` (coalesced with other reads; see `implicitLearnerDocId`). */
    async findById(store: string, learnerId: string): Promise<LearnerDoc | null> {
      if (learnerId.startsWith(IMPLICIT)) {
        const [d] = await reads.find([implicitLearnerDocId(store, learnerId.slice(IMPLICIT.length))]);
        if (d !== undefined && d.store === store && d.learnerId === learnerId) {
          const { _id: _drop, ...doc } = d;
          return doc;
        }
      }
      return col.findOne({ store, learnerId }, { projection: { _id: 0 } });
    },
    findByIdentity(store: string, identity: string): Promise<LearnerDoc | null> {
      return col.findOne({ store, identities: identity }, { projection: { _id: 0 } });
    },
    /**
     * The learner an identity belongs to, creating an implicit one (id `implicit:<identity>`)
     * when none claims it. Safe under concurrency: a lost insert race reads the winner.
     */
    async resolve(store: string, identity: string, now: Date): Promise<LearnerDoc> {
      const found = await col.findOne({ store, identities: identity }, { projection: { _id: 0 } });
      if (found) return found;
      const doc: LearnerDoc = { store, learnerId: `implicit:${identity}`, identities: [identity], attributes: {}, implicit: true, createdAt: now, updatedAt: now };
      try {
        await implicitCol.insertOne({ _id: implicitLearnerDocId(store, identity), ...doc });
        return doc;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        const winner = await col.findOne({ store, identities: identity }, { projection: { _id: 0 } });
        if (!winner) throw err;
        return winner;
      }
    },
    /**
     * Whether the implicit learner of this identity still exists, i.e. no learner has claimed the
     * identity since (a claim deletes the implicit learner first: the unique identity index
     * refuses it otherwise). One `_id` read, coalesced with other jobs'. `undefined`: not found by
     * `_id`, which is also what an implicit learner stored before ids were derived looks like, so
     * the caller must look the identity up to know.
     */
    async implicitStillHolds(store: string, identity: string): Promise<true | undefined> {
      const [d] = await reads.find([implicitLearnerDocId(store, identity)]);
      return d === undefined ? undefined : true;
    },
    /** Creates or replaces a learner's identities and attributes. */
    async upsert(store: string, learner: { learnerId: string; identities: string[]; attributes: LearnerAttributes }, now: Date): Promise<void> {
      await col.updateOne(
        { store, learnerId: learner.learnerId },
        { $set: { identities: learner.identities, attributes: learner.attributes, implicit: false, updatedAt: now }, $setOnInsert: { store, learnerId: learner.learnerId, createdAt: now } },
        { upsert: true },
      );
      await recordLearnerWrites(db, store, [learner.learnerId]);
    },
    /** Removes implicit learners whose identity an explicit learner now claims; returns their ids. */
    async absorbImplicit(store: string, identities: string[], keepLearnerId: string): Promise<string[]> {
      const implicit = await col.find({ store, implicit: true, identities: { $in: identities }, learnerId: { $ne: keepLearnerId } }, { projection: { learnerId: 1 } }).toArray();
      if (implicit.length > 0) await col.deleteMany({ store, learnerId: { $in: implicit.map((d) => d.learnerId) } });
      return implicit.map((d) => d.learnerId);
    },
    /** Explicit (not implicit) learners holding any of these identities: who would conflict with a claim. */
    findExplicitByIdentities(store: string, identities: string[]): Promise<LearnerDoc[]> {
      if (identities.length === 0) return Promise.resolve([]);
      return col.find({ store, implicit: false, identities: { $in: identities } }, { projection: { _id: 0 } }).toArray();
    },
    list(store: string, filter: { role?: string; team?: string; cohort?: string; manager?: string } = {}, limit = 1000, after?: string): Promise<LearnerDoc[]> {
      const q: Record<string, unknown> = { store };
      for (const [k, v] of Object.entries(filter)) if (v !== undefined) q[`attributes.${k}`] = v;
      if (after) q.learnerId = { $gt: after };
      return col.find(q, { projection: { _id: 0 } }).sort({ learnerId: 1 }).limit(limit).toArray();
    },
  };
}
export type LearnersRepository = ReturnType<typeof learnersRepository>;
