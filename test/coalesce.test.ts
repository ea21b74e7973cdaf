/**
 * src/storage/coalesce.ts against the real MongoDB-compatible server: what one caller of a
 * coalesced round trip can rely on (its own outcome, its own order), and that concurrent callers
 * really share round trips (counted with the driver's command monitoring).
 */
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { BulkWriteCoalescer, CoalescedWriteError, IdReadCoalescer } from '../src/storage/coalesce';

interface Doc { _id: string; n?: number; tag?: string }

let client: MongoClient;
let db: Db;
const commands: string[] = [];

beforeAll(async () => {
  client = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017', { monitorCommands: true });
  client.on('commandStarted', (e) => { if (['update', 'insert', 'delete', 'find'].includes(e.commandName)) commands.push(`${e.commandName} ${String(e.command[e.commandName])}`); });
  await client.connect();
  db = client.db(`test_coalesce_${randomBytes(4).toString('hex')}`);
});
afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

const fresh = (name: string) => `${name}_${randomBytes(3).toString('hex')}`;
const count = (prefix: string) => commands.filter((c) => c.startsWith(prefix)).length;

describe('BulkWriteCoalescer', () => {
  it('sends the writes of concurrent callers in one round trip, and each caller learns when its own write is applied', async () => {
    const name = fresh('w');
    const writes = new BulkWriteCoalescer<Doc>(db, name);
    const before = count(`update ${name}`);
    await Promise.all(Array.from({ length: 20 }, (_, i) => writes.write({ updateOne: { filter: { _id: `d${i}` }, update: { $set: { n: i } }, upsert: true } })));
    expect(count(`update ${name}`) - before).toBe(1);
    const docs = await db.collection<Doc>(name).find().sort({ n: 1 }).toArray();
    expect(docs.map((d) => d.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('rejects only the caller whose write the server refused, with the server code and its own index', async () => {
    const name = fresh('dup');
    await db.collection<Doc>(name).insertOne({ _id: 'taken' });
    const writes = new BulkWriteCoalescer<Doc>(db, name);
    const outcomes = await Promise.allSettled([
      writes.write({ insertOne: { document: { _id: 'a' } } }),
      writes.write([{ insertOne: { document: { _id: 'b' } } }, { insertOne: { document: { _id: 'taken' } } }]),
      writes.write({ insertOne: { document: { _id: 'c' } } }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const err = (outcomes[1] as PromiseRejectedResult).reason as CoalescedWriteError;
    expect(err).toBeInstanceOf(CoalescedWriteError);
    expect(err.code).toBe(11000);
    expect(err.index).toBe(1);
    const ids = (await db.collection<Doc>(name).find().toArray()).map((d) => d._id).sort();
    expect(ids).toEqual(['a', 'b', 'c', 'taken']);
  });

  it('keeps one caller\'s awaited writes in order, and a read after an awaited write sees it', async () => {
    const name = fresh('order');
    const writes = new BulkWriteCoalescer<Doc>(db, name);
    const reads = new IdReadCoalescer<Doc>(db, name);
    const steps = await Promise.all(Array.from({ length: 10 }, async (_, caller) => {
      const seen: number[] = [];
      for (let k = 1; k <= 5; k++) {
        await writes.write({ updateOne: { filter: { _id: `c${caller}` }, update: { $set: { n: k } }, upsert: true } });
        const [doc] = await reads.find([`c${caller}`]);
        seen.push(doc?.n ?? -1);
      }
      return seen;
    }));
    for (const seen of steps) expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects every caller of a round trip that failed as a whole', async () => {
    const other = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017', { serverSelectionTimeoutMS: 500 });
    await other.connect();
    const writes = new BulkWriteCoalescer<Doc>(other.db(db.databaseName), fresh('closed'));
    await other.close();
    const outcomes = await Promise.allSettled([1, 2, 3].map((i) => writes.write({ insertOne: { document: { _id: `x${i}` } } })));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
  });
});

describe('IdReadCoalescer', () => {
  it('answers concurrent _id reads with one query, each caller getting exactly the documents it asked for', async () => {
    const name = fresh('r');
    await db.collection<Doc>(name).insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: `d${i}`, n: i, tag: i % 2 === 0 ? 'even' : 'odd' })));
    const reads = new IdReadCoalescer<Doc>(db, name);
    const before = count(`find ${name}`);
    const asks = [['d1', 'd2'], ['d2', 'd29', 'missing'], ['d7']];
    const answers = await Promise.all(asks.map((ids) => reads.find(ids, { projection: { n: 1 } })));
    expect(count(`find ${name}`) - before).toBe(1);
    expect(answers.map((docs) => docs.map((d) => d._id).sort())).toEqual([['d1', 'd2'], ['d2', 'd29'], ['d7']]);
    // The projection is honoured: `tag` was not asked for.
    expect(answers.flat().every((d) => d.tag === undefined && typeof d.n === 'number')).toBe(true);
  });

  it('does not merge reads with different projections', async () => {
    const name = fresh('p');
    await db.collection<Doc>(name).insertOne({ _id: 'one', n: 1, tag: 't' });
    const reads = new IdReadCoalescer<Doc>(db, name);
    const [withTag, withoutTag] = await Promise.all([reads.find(['one'], { projection: { tag: 1 } }), reads.find(['one'], { projection: { n: 1 } })]);
    expect(withTag[0]).toEqual({ _id: 'one', tag: 't' });
    expect(withoutTag[0]).toEqual({ _id: 'one', n: 1 });
  });
});
