import { MongoClient, type Db } from 'mongodb';

/** Connects with settings suited to the LRS (short server selection so a dead MongoDB is a fast 503). */
export async function connectMongo(opts: { uri: string; db: string; appName?: string }): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(opts.uri, {
    appName: opts.appName ?? 'competency-lrs',
    serverSelectionTimeoutMS: 5000,
    maxPoolSize: 50,
    // An acknowledged statement must survive a primary failover: wait for a majority, journaled.
    writeConcern: { w: 'majority', journal: true },
  });
  await client.connect();
  return { client, db: client.db(opts.db) };
}
