/**
 * The batching side of src/storage/coalesce.ts and what the scoring pipeline builds on it, against
 * the real MongoDB-compatible server: flush limits, requests gathering while a round trip is in
 * flight, one malformed operation failing only its caller, every write kind in one flush, a whole
 * failed round trip reported as the driver's own (transient) error, reads handing out separate
 * copies, the analytics feed's coalesced appends, and `cellsAfterAdd`.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { BulkWriteCoalescer, IdReadCoalescer, findOneDirect } from '../src/storage/coalesce';
import { isTransient } from '../src/competency/score-statement.processor';
import { analyticsFeedRepository, mergeAppends } from '../src/analytics/analytics-feed.repository';
import { cellId, cellItems, cellsAfterAdd, evidenceCellsRepository, type CellDoc, type StoredCellDoc } from '../src/competency/evidence-cells.repository';
import type { EvidenceItem } from '../src/engine';

interface Doc { _id: string; n?: number; tag?: string; nested?: { list: number[] } }

// A client of its own, counting the commands it sends (command monitoring), on a database of its own.
const commands: Array<{ name: string; collection: string; size: number }> = [];
const client = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017', { monitorCommands: true }).on('commandStarted', (e) => {
  const c = e.command as Record<string, unknown>;
  commands.push({ name: e.commandName, collection: String(c[e.commandName]), size: ((c.updates ?? c.deletes ?? c.documents) as unknown[] | undefined)?.length ?? 0 });
});
const db: Db = client.db(`test_coalesce_batching_${randomBytes(4).toString('hex')}`);
afterAll(() => db.dropDatabase().finally(() => client.close()));

const fresh = (name: string) => `${name}_${randomBytes(3).toString('hex')}`;
const sent = (name: string, collection: string) => commands.filter((c) => c.name === name && c.collection === collection);
const tick = () => new Promise<void>((r) => setImmediate(r));

describe('flushing', () => {
  it('sends at most maxBatch operations per round trip, and never splits one caller\'s request', async () => {
    const name = fresh('limit');
    const writes = new BulkWriteCoalescer<Doc>(db, name, { maxBatch: 3, minIntervalMs: 0 });
    await Promise.all([
      ...Array.from({ length: 7 }, (_, i) => writes.write({ insertOne: { document: { _id: `s${i}` } } })),
      writes.write(Array.from({ length: 5 }, (_, i) => ({ insertOne: { document: { _id: `big${i}` } } }))),
    ]);
    const sizes = sent('insert', name).map((c) => c.size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12);
    // Seven single inserts in batches of at most 3, and the request of 5 alone.
    expect(sizes.filter((s) => s !== 5).every((s) => s <= 3)).toBe(true);
    expect(sizes.filter((s) => s === 5)).toHaveLength(1);
    expect(await db.collection(name).countDocuments()).toBe(12);
  });

  it('gathers what arrives while a round trip is in flight into the next one (maxInFlight 1)', async () => {
    const name = fresh('gather');
    const writes = new BulkWriteCoalescer<Doc>(db, name, { minIntervalMs: 0 });
    const first = writes.write({ insertOne: { document: { _id: 'first' } } });
    await tick(); // the first round trip is on its way
    const rest = Array.from({ length: 6 }, (_, i) => writes.write({ insertOne: { document: { _id: `later${i}` } } }));
    await Promise.all([first, ...rest]);
    expect(sent('insert', name).map((c) => c.size)).toEqual([1, 6]);
  });

  it('sends every kind of write of one flush, one command per kind, each applied', async () => {
    const name = fresh('kinds');
    await db.collection<Doc>(name).insertMany([{ _id: 'u', n: 1 }, { _id: 'r', n: 1 }, { _id: 'd', n: 1 }]);
    const writes = new BulkWriteCoalescer<Doc>(db, name);
    const before = ['update', 'delete', 'insert'].map((k) => sent(k, name).length);
    await Promise.all([
      writes.write({ updateOne: { filter: { _id: 'u' }, update: { $inc: { n: 1 } } } }),
      writes.write({ replaceOne: { filter: { _id: 'r' }, replacement: { tag: 'replaced' } } }),
      writes.write({ deleteOne: { filter: { _id: 'd' } } }),
      writes.write({ insertOne: { document: { _id: 'i', n: 9 } } }),
    ]);
    expect(['update', 'delete', 'insert'].map((k, i) => sent(k, name).length - (before[i] as number))).toEqual([1, 1, 1]);
    const docs = await db.collection<Doc>(name).find().sort({ _id: 1 }).toArray();
    expect(docs).toEqual([{ _id: 'i', n: 9 }, { _id: 'r', tag: 'replaced' }, { _id: 'u', n: 2 }]);
  });

  it('fails only the caller whose operation is malformed; the others are applied', async () => {
    const name = fresh('malformed');
    const writes = new BulkWriteCoalescer<Doc>(db, name);
    const outcomes = await Promise.allSettled([
      writes.write({ updateOne: { filter: { _id: 'ok' }, update: { $set: { n: 1 } }, upsert: true } }),
      writes.write({ updateOne: { filter: { _id: 'bad' }, update: { n: 2 } as never, upsert: true } }),
      writes.write({ replaceOne: { filter: { _id: 'bad2' }, replacement: { $set: { n: 3 } } as never, upsert: true } }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(((outcomes[1] as PromiseRejectedResult).reason as Error).message).toMatch(/update operators/);
    expect((await db.collection<Doc>(name).find().toArray()).map((d) => d._id)).toEqual(['ok']);
  });

  it('reports a round trip that failed as a whole with the driver\'s own error, which scoring treats as transient', async () => {
    const other = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017', { serverSelectionTimeoutMS: 300 });
    await other.connect();
    const otherDb = other.db(db.databaseName);
    const writes = new BulkWriteCoalescer<Doc>(otherDb, fresh('down'));
    const reads = new IdReadCoalescer<Doc>(otherDb, fresh('down'));
    await other.close();
    const outcomes = await Promise.allSettled([writes.write({ insertOne: { document: { _id: 'x' } } }), writes.write({ insertOne: { document: { _id: 'y' } } }), reads.find(['x'])]);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect(isTransient((o as PromiseRejectedResult).reason)).toBe(true);
    }
  });
});

describe('reads', () => {
  it('hands each caller its own copy of a document several callers asked for', async () => {
    const name = fresh('copies');
    await db.collection<Doc>(name).insertOne({ _id: 'shared', nested: { list: [1, 2] } });
    const reads = new IdReadCoalescer<Doc>(db, name);
    const [[a], [b]] = await Promise.all([reads.find(['shared']), reads.find(['shared'])]);
    expect(a).toEqual(b);
    a!.nested!.list.push(3);
    expect(b!.nested!.list).toEqual([1, 2]);
  });

  it('drops _id when the projection does, and still answers each caller', async () => {
    const name = fresh('noid');
    await db.collection<Doc>(name).insertMany([{ _id: 'a', n: 1 }, { _id: 'b', n: 2 }]);
    const reads = new IdReadCoalescer<Doc>(db, name);
    const [a, b] = await Promise.all([reads.find(['a'], { projection: { _id: 0, n: 1 } }), reads.find(['b'], { projection: { _id: 0, n: 1 } })]);
    expect([a, b]).toEqual([[{ n: 1 }], [{ n: 2 }]]);
  });

  it('reads more documents than one default batch in one round trip', async () => {
    const name = fresh('many');
    await db.collection<Doc>(name).insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: `d${i}`, n: i })));
    const reads = new IdReadCoalescer<Doc>(db, name);
    const docs = await reads.find(Array.from({ length: 250 }, (_, i) => `d${i}`));
    expect(docs).toHaveLength(250);
    expect(commands.filter((c) => c.name === 'getMore' && c.collection === name)).toHaveLength(0);
  });

  it('findOneDirect finds one document by any filter, with its projection, or null', async () => {
    const name = fresh('one');
    await db.collection(name).insertOne({ store: 's', id: 'x', json: '{}', big: 'b' });
    expect(await findOneDirect(db, name, { store: 's', id: 'x' }, { projection: { _id: 0, json: 1 } })).toEqual({ json: '{}' });
    expect(await findOneDirect(db, name, { store: 's', id: 'nope' })).toBeNull();
  });
});

describe('analytics feed appends', () => {
  it('allocates concurrent appends with one $inc, one entry per kind and batch, rows of a learner in append order', async () => {
    const feed = analyticsFeedRepository(db);
    const store = fresh('store');
    const row = (c: string) => ({ f: 'fw', c, d: null });
    const before = sent('findAndModify', 'analytics_feed').length;
    const positions = await Promise.all([
      feed.append(store, 'g1', { k: 'cells', l: 'ann', rows: [row('a')] }),
      feed.append(store, 'g1', { k: 'cells', l: 'bob', rows: [row('b')] }),
      feed.append(store, 'g1', { k: 'cells', l: 'ann', rows: [row('c')] }),
      feed.append(store, 'g1', { k: 'learners', ids: ['ann'] }),
    ]);
    expect(sent('findAndModify', 'analytics_feed').length - before).toBe(1);
    // The three cell appends share one entry; Ann's rows keep their append order.
    expect(positions).toEqual([1, 1, 1, 2]);
    const read = await feed.read(store, 'g1', 0);
    expect(read.kind).toBe('entries');
    const entries = read.kind === 'entries' ? read.entries : [];
    expect(entries.map((e) => e.n)).toEqual([1, 2]);
    expect(entries[0]!.payload).toEqual({ k: 'cells', l: 'ann', rows: [row('a'), row('c')], more: [{ l: 'bob', rows: [row('b')] }] });
    expect(entries[1]!.payload).toEqual({ k: 'learners', ids: ['ann'] });
    // A later append goes on from the head.
    expect(await feed.append(store, 'g1', { k: 'learners', ids: ['bob'] })).toBe(3);
    expect(await feed.head(store, 'g1')).toBe(3);
  });

  it('merges completions and learner ids of a batch, and starts another cells entry past the row limit', () => {
    const row = (c: string) => ({ f: 'fw', c, d: null });
    const rec = (id: string) => ({ id, actor: 'a', activity: 'x', verb: 'v', stored: 1 });
    expect(mergeAppends([
      { k: 'completions', add: [rec('1')], voids: [] },
      { k: 'learners', ids: ['x', 'y'] },
      { k: 'completions', add: [rec('2')], voids: ['1'] },
      { k: 'learners', ids: ['y', 'z'] },
    ])).toEqual([
      { payload: { k: 'completions', add: [rec('1'), rec('2')], voids: ['1'] }, from: [0, 2] },
      { payload: { k: 'learners', ids: ['x', 'y', 'z'] }, from: [1, 3] },
    ]);
    const big = Array.from({ length: 3000 }, (_, i) => row(`c${i}`));
    const merged = mergeAppends([{ k: 'cells', l: 'ann', rows: big }, { k: 'cells', l: 'bob', rows: big }, { k: 'cells', l: 'cy', rows: [row('z')] }]);
    expect(merged.map((m) => m.from)).toEqual([[0], [1, 2]]);
    expect(merged[1]!.payload).toEqual({ k: 'cells', l: 'bob', rows: big, more: [{ l: 'cy', rows: [row('z')] }] });
  });

  it('resolves a sequenced append once it has its position, before its slot is written', async () => {
    const feed = analyticsFeedRepository(db);
    const store = fresh('store');
    const a = await feed.appendSequenced(store, 'g1', { k: 'learners', ids: ['x'] });
    expect(a.n).toBe(1);
    await a.written;
    const read = await feed.read(store, 'g1', 0);
    expect(read.kind === 'entries' && read.entries.map((e) => e.payload)).toEqual([{ k: 'learners', ids: ['x'] }]);
  });

  it('stores a payload as JSON text and still reads slots that hold it as a document', async () => {
    const feed = analyticsFeedRepository(db);
    const store = fresh('store');
    const payload = { k: 'cells' as const, l: 'ann', rows: [{ f: 'fw', c: 'a', d: null }] };
    await feed.append(store, 'g1', payload);
    const slots = db.collection<{ _id: string; n: number; at: Date; p: unknown }>('analytics_feed');
    // Slot ids: `s`, store, channel, position modulo the ring.
    const slot = await slots.findOne({ _id: `s\u0001${store}\u0001g1\u00011` });
    expect(typeof slot!.p).toBe('string');
    expect(JSON.parse(slot!.p as string)).toEqual(payload);
    // A slot written as a document (before payloads were stored as text), at position 2.
    await slots.replaceOne({ _id: `s\u0001${store}\u0001g1\u00012` }, { n: 2, at: new Date(), p: { k: 'learners', ids: ['bob'] } }, { upsert: true });
    await slots.updateOne({ _id: `h\u0001${store}\u0001g1` }, { $set: { n: 2 } });
    const read = await feed.read(store, 'g1', 0);
    expect(read.kind === 'entries' && read.entries.map((e) => e.payload)).toEqual([payload, { k: 'learners', ids: ['bob'] }]);
  });
});

describe('cellsAfterAdd', () => {
  const item = (statementId: string, value: number): EvidenceItem & { frameworkId: string } => ({
    statementId, learnerId: 'l', competencyId: 'c', sourceKind: 'knowledge-check', value, weight: 1, observedAt: 1000, storedAt: 1000, ruleId: 'r', frameworkVersion: '1', frameworkId: 'f',
  });

  it('matches what the server holds after the add, whether the read ran before or after it', async () => {
    const cells = evidenceCellsRepository(db);
    const store = fresh('store');
    const ref = { frameworkId: 'f', competencyId: 'c' };
    await cells.add(store, 1, [item('s1', 0.5)]);
    const before = await cells.get(store, 1, 'l', [ref]);
    await cells.add(store, 1, [item('s2', 0.7)]);
    const after = await cells.get(store, 1, 'l', [ref]);
    const strip = (docs: CellDoc[]) => docs.map((d) => ({ v: d.v, items: Object.keys(d.items).sort() }));
    // Read before the add: the add's items and one more version are applied.
    expect(strip(cellsAfterAdd(before, store, 1, [item('s2', 0.7)]))).toEqual(strip(after));
    // Read after the add: taken as it is.
    expect(strip(cellsAfterAdd(after, store, 1, [item('s2', 0.7)]))).toEqual(strip(after));
    // A cell the read did not find (new): created with the items, version 1.
    const created = cellsAfterAdd([], store, 2, [item('s3', 0.1)]);
    expect(created.map((d) => [d._id, d.v, d.learnerId])).toEqual([[cellId(store, 2, { learnerId: 'l', ...ref }), 1, 'l']]);
  });

  it('stores items as JSON text and reads cells that hold them as documents alike', async () => {
    const cells = evidenceCellsRepository(db);
    const store = fresh('store');
    const ref = { frameworkId: 'f', competencyId: 'c' };
    const { frameworkId: _f, ...plain } = item('s1', 0.5);
    await cells.add(store, 1, [item('s1', 0.5)]);
    const raw = await db.collection<StoredCellDoc>('competency_cells').findOne({ _id: cellId(store, 1, { learnerId: 'l', ...ref }) });
    expect(Object.values(raw!.items ?? {}).map((v) => typeof v)).toEqual(['string']);
    // A cell written with items as documents, and another item added to it as text.
    const legacyId = cellId(store, 1, { learnerId: 'm', ...ref });
    await db.collection<StoredCellDoc>('competency_cells').insertOne({ _id: legacyId, store, generation: 1, learnerId: 'm', ...ref, items: { 's0|r': { ...plain, statementId: 's0', learnerId: 'm' } }, v: 1 });
    await cells.add(store, 1, [{ ...item('s2', 0.7), learnerId: 'm' }]);
    const [legacy] = await cells.get(store, 1, 'm', [ref]);
    expect(legacy!.v).toBe(2);
    expect(Object.values(legacy!.items).map((e) => [e.statementId, e.value]).sort()).toEqual([['s0', 0.5], ['s2', 0.7]]);
    expect(cellItems(await db.collection<StoredCellDoc>('competency_cells').findOne({ _id: legacyId }) ?? undefined).map((e) => e.statementId).sort()).toEqual(['s0', 's2']);
    const [fresh1] = await cells.get(store, 1, 'l', [ref]);
    expect(Object.values(fresh1!.items)).toEqual([plain]);
  });
});
