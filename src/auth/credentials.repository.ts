import type { Collection, Db } from 'mongodb';
import type { Scope } from './scopes';

/** A stored API credential. The secret is kept only as a scrypt hash. */
export interface CredentialDoc {
  store: string;
  key: string;
  secretHash: string;
  scopes: Scope[];
  name: string;
  createdAt: Date;
  revokedAt?: Date;
}

export interface StoreDoc {
  _id: string;
  name: string;
  createdAt: Date;
}

export const DEFAULT_STORE = 'default';

export function credentialsRepository(db: Db) {
  const credentials: Collection<CredentialDoc> = db.collection('credentials');
  const stores: Collection<StoreDoc> = db.collection('stores');
  return {
    async ensureIndexes(): Promise<void> {
      // Keys are unique across stores: a Basic auth header names only the key.
      await credentials.createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
      await credentials.createIndex({ store: 1, createdAt: 1 }, { name: 'store_createdAt' });
    },
    findByKey(key: string): Promise<CredentialDoc | null> {
      return credentials.findOne({ key }, { projection: { _id: 0 } });
    },
    async insert(doc: CredentialDoc): Promise<void> {
      await credentials.insertOne({ ...doc });
    },
    /** Creates or updates the credential with this key (used to seed the default credential). */
    async upsert(doc: CredentialDoc): Promise<void> {
      await credentials.updateOne({ key: doc.key }, { $set: doc }, { upsert: true });
    },
    list(store?: string): Promise<CredentialDoc[]> {
      return credentials.find(store ? { store } : {}, { projection: { _id: 0, secretHash: 0 } }).sort({ store: 1, createdAt: 1 }).toArray();
    },
    async revoke(key: string, at: Date): Promise<boolean> {
      const r = await credentials.updateOne({ key, revokedAt: { $exists: false } }, { $set: { revokedAt: at } });
      return r.modifiedCount === 1;
    },
    async ensureStore(id: string, name: string, at: Date): Promise<void> {
      await stores.updateOne({ _id: id }, { $setOnInsert: { name, createdAt: at } }, { upsert: true });
    },
    findStore(id: string): Promise<StoreDoc | null> {
      return stores.findOne({ _id: id });
    },
    listStores(): Promise<StoreDoc[]> {
      return stores.find({}).sort({ _id: 1 }).toArray();
    },
  };
}
export type CredentialsRepository = ReturnType<typeof credentialsRepository>;
