import type { Collection, Db } from 'mongodb';

/** What the LRS knows of one agent identity: its IFI (as sent) and the names statements gave it. */
export interface AgentDoc {
  store: string;
  key: string;
  ifiJson: string;
  names: string[];
  updated: Date;
}

export function agentsRepository(db: Db) {
  const col: Collection<AgentDoc> = db.collection('agents');
  return {
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ store: 1, key: 1 }, { unique: true, name: 'store_key' });
    },
    /** Upserts identities, adding names; idempotent, so retries and races are harmless. */
    async record(store: string, agents: Array<{ key: string; ifiJson: string; name?: string }>, now: Date): Promise<void> {
      if (agents.length === 0) return;
      await col.bulkWrite(agents.map((a) => ({
        updateOne: {
          filter: { store, key: a.key },
          update: { $setOnInsert: { ifiJson: a.ifiJson, updated: now }, ...(a.name !== undefined ? { $addToSet: { names: a.name } } : {}) },
          upsert: true,
        },
      })), { ordered: false });
    },
    findByKeys(store: string, keys: string[]): Promise<AgentDoc[]> {
      return col.find({ store, key: { $in: keys } }, { projection: { _id: 0 } }).toArray();
    },
  };
}
export type AgentsRepository = ReturnType<typeof agentsRepository>;
