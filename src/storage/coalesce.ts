/**
 * Coalescing of concurrent MongoDB round trips: single-document writes issued by concurrent callers
 * (scoring jobs running side by side) go out together as one unordered write command per kind
 * (what `bulkWrite({ ordered: false })` sends), and concurrent `find({ _id: { $in } })` reads of
 * one collection as one query.
 *
 * Why: the scoring worker runs many jobs at once and each makes a dozen small round trips. The
 * MongoDB stand-in our tests and benchmarks use (mongo-java-server) serves only a few thousand
 * single operations per second, while a write command of 20 updates or an `_id $in` read of 20
 * documents costs little more than one; on the client, each round trip costs about as much CPU
 * as the work it carries. Real MongoDB gains too (fewer commands), but it is the stand-in's
 * single-operation ceiling that made this necessary. Only `_id $in` reads are merged: on the
 * stand-in `$in` on any other key, or an `$or` of keys, is a collection scan.
 *
 * What a caller can rely on:
 * - Its promise settles when its own operations were applied (or read), with its own outcome: a
 *   write the server refused rejects that caller only ({@link CoalescedWriteError}, with the
 *   server's `code`, e.g. 11000); a failure of the whole round trip (network, server selection)
 *   rejects every caller of that round trip with the driver's error.
 * - Whatever it awaited happened before whatever it does next, as with direct calls: a read issued
 *   after an awaited write sees it. Operations a caller issues without awaiting the earlier ones
 *   (or passes in one `write` call) are unordered, as in `bulkWrite({ ordered: false })`, and so are
 *   operations of different callers in flight at the same time (they were never ordered).
 * - Each operation stays what it was: an update is still one single-document update, atomic on
 *   its own (the competency pipeline's version bumps rely on that).
 *
 * Batching: requests queue per collection (per projection for reads). A queue sends on the next
 * `setImmediate` (so everything the callers resumed by one event issue goes together), at most
 * `maxInFlight` round trips at once and, while busy, at most one every `minIntervalMs`: requests
 * arriving meanwhile gather for the next one, so batches grow with the load by themselves. A round
 * trip carries at most `maxBatch` operations or ids (a single larger request goes alone). One
 * coalescer per database and collection is shared by every repository of the process
 * ({@link coalescedWrites}, {@link coalescedReads}).
 */
import { BSON, MongoBulkWriteError, MongoServerError, ObjectId, type AnyBulkWriteOperation, type Collection, type Db, type Document, type WithId, type WriteError } from 'mongodb';

/** Limits of one coalescing queue. */
export interface CoalesceOptions {
  /** Most operations (writes) or ids (reads) one round trip carries. @defaultValue 500 */
  maxBatch?: number;
  /** Round trips of one queue in flight at once. @defaultValue 1 */
  maxInFlight?: number;
  /**
   * Least time between the starts of two round trips of one queue: a busy queue gathers requests
   * for this long, an idle one (nothing sent for this long) sends on the next `setImmediate`.
   * 5 rather than 2 since scoring jobs hold several statements: at 500 single-statement POSTs a
   * second on two cores the lag's p95 was under 1 s in 4 of 6 benchmark runs with 5 ms, in 3 of 7
   * with 2 ms (busy queues only: an idle one never waits).
   * @defaultValue 5
   */
  minIntervalMs?: number;
}

const DEFAULTS: Required<CoalesceOptions> = { maxBatch: 500, maxInFlight: 1, minIntervalMs: 5 };

/**
 * A queue of requests flushed in batches (the part writes and reads share). `run` settles every
 * request of its batch itself; the batcher only decides when and what (and rejects the batch's
 * requests with the error should `run` itself fail).
 */
export class Batcher<R extends { weight: number; reject: (err: unknown) => void }> {
  private queue: R[] = [];
  private scheduled = false;
  private inFlight = 0;
  private lastStart = -Infinity;
  private readonly opts: Required<CoalesceOptions>;

  constructor(private readonly run: (batch: R[]) => Promise<void>, opts: CoalesceOptions = {}) {
    this.opts = { ...DEFAULTS, ...opts };
    if (!(this.opts.maxBatch >= 1) || !(this.opts.maxInFlight >= 1)) throw new RangeError('maxBatch and maxInFlight must be at least 1');
  }

  add(request: R): void {
    this.queue.push(request);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.opts.maxInFlight) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      this.flush();
    };
    const wait = this.lastStart + this.opts.minIntervalMs - performance.now();
    if (wait >= 1) setTimeout(go, wait);
    else setImmediate(go);
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) {
      // A request heavier than maxBatch goes alone; otherwise requests are never split.
      let weight = 0;
      let take = 0;
      while (take < this.queue.length) {
        const w = (this.queue[take] as R).weight;
        if (take > 0 && weight + w > this.opts.maxBatch) break;
        weight += w;
        take++;
      }
      const batch = this.queue.splice(0, take);
      this.inFlight++;
      this.lastStart = performance.now();
      this.run(batch)
        .catch((err: unknown) => { for (const r of batch) r.reject(err); })
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}

/** A write of a coalesced bulk write that the server refused (the caller's own operation). */
export class CoalescedWriteError extends MongoServerError {
  /** Index of the refused operation among the ones this caller passed. */
  readonly index: number;
  /** Every refused operation of this caller (usually one). */
  readonly writeErrors: ReadonlyArray<{ index: number; code: number | undefined; errmsg: string | undefined; errInfo?: Document }>;

  constructor(errors: Array<{ index: number; code: number | undefined; errmsg: string | undefined; errInfo?: Document }>) {
    const first = errors[0] as { index: number; code: number | undefined; errmsg: string | undefined; errInfo?: Document };
    super({ message: first.errmsg ?? 'write operation failed', code: first.code, errInfo: first.errInfo });
    this.index = first.index;
    this.writeErrors = errors;
  }

  override get name(): string {
    return 'CoalescedWriteError';
  }
}

interface WriteRequest<T extends Document> {
  ops: AnyBulkWriteOperation<T>[];
  weight: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

type WriteErrorInfo = { index: number; code: number | undefined; errmsg: string | undefined; errInfo?: Document };

/** Errors the driver raises before sending anything (a malformed operation, a batch too large). */
function isClientSideError(err: unknown): boolean {
  if (err instanceof MongoServerError) return false;
  const name = (err as { name?: unknown })?.name;
  return name === 'MongoInvalidArgumentError' || name === 'MongoAPIError' || name === 'BSONError' || err instanceof TypeError || err instanceof RangeError;
}

function writeErrorsOf(err: MongoBulkWriteError): WriteError[] {
  const w = err.writeErrors as WriteError | WriteError[] | undefined;
  return w === undefined ? [] : Array.isArray(w) ? w : [w];
}

/**
 * The error every caller of a failed round trip gets: for a bulk write that failed as a whole the
 * driver wraps the cause (e.g. a `MongoNetworkError`) in a `MongoBulkWriteError`; callers get the
 * cause itself, as a direct `updateOne` would have thrown it.
 */
function wholeBatchError(err: unknown): unknown {
  if (err instanceof MongoBulkWriteError && writeErrorsOf(err).length === 0) {
    const cause = (err as unknown as { errorResponse?: unknown }).errorResponse;
    if (cause instanceof Error) return cause;
  }
  return err;
}

/** One operation as a statement of the server's `update`, `delete` or `insert` command. */
type Statement = { kind: 'update' | 'delete' | 'insert'; doc: Document };

function isOperatorDoc(u: unknown): boolean {
  if (Array.isArray(u)) return true; // an update pipeline
  const first = u !== null && typeof u === 'object' ? Object.keys(u)[0] : undefined;
  return first !== undefined && first.startsWith('$');
}

/** The command statement of one operation; throws (the caller's own fault) for one we do not take. */
function statementOf(op: AnyBulkWriteOperation<Document>): Statement {
  if ('updateOne' in op) {
    const { filter, update, upsert, arrayFilters, hint, collation } = op.updateOne;
    if (!isOperatorDoc(update)) throw new TypeError('updateOne: the update must use update operators');
    return { kind: 'update', doc: { q: filter, u: update, upsert: upsert === true, multi: false, ...(arrayFilters ? { arrayFilters } : {}), ...(hint ? { hint } : {}), ...(collation ? { collation } : {}) } };
  }
  if ('replaceOne' in op) {
    const { filter, replacement, upsert, hint, collation } = op.replaceOne;
    if (replacement === null || typeof replacement !== 'object' || Object.keys(replacement).some((k) => k.startsWith('$'))) throw new TypeError('replaceOne: the replacement must be a document without update operators');
    return { kind: 'update', doc: { q: filter, u: replacement, upsert: upsert === true, multi: false, ...(hint ? { hint } : {}), ...(collation ? { collation } : {}) } };
  }
  if ('deleteOne' in op) {
    const { filter, hint, collation } = op.deleteOne;
    return { kind: 'delete', doc: { q: filter, limit: 1, ...(hint ? { hint } : {}), ...(collation ? { collation } : {}) } };
  }
  if ('insertOne' in op) {
    const doc = op.insertOne.document as Document;
    if (doc._id === undefined) doc._id = new ObjectId(); // as the driver does, on the caller's document
    return { kind: 'insert', doc };
  }
  throw new TypeError('BulkWriteCoalescer takes single-document operations only (updateOne, replaceOne, deleteOne, insertOne)');
}

const COMMAND_FIELD = { update: 'updates', delete: 'deletes', insert: 'documents' } as const;

/**
 * Single-document writes of concurrent callers on one collection, sent together: one unordered
 * `update` command for every update and replacement of the round trip, one `delete` and one
 * `insert` command when there are any (the same commands `bulkWrite({ ordered: false })` sends,
 * built here directly: the driver's bulk-write machinery costs about as much client CPU as the
 * round trip itself). A batch the command path cannot send (over the size limits) goes through
 * `bulkWrite`, which splits it.
 */
export class BulkWriteCoalescer<T extends Document = Document> {
  private readonly batcher: Batcher<WriteRequest<T>>;
  private readonly col: Collection<T>;

  constructor(private readonly db: Db, private readonly name: string, opts: CoalesceOptions = {}) {
    this.col = db.collection<T>(name);
    this.batcher = new Batcher((batch) => this.send(batch), opts);
  }

  /**
   * Applies `updateOne` / `replaceOne` / `deleteOne` / `insertOne` operations (one or several, applied
   * unordered among themselves); resolves when all are applied, rejects with the caller's own
   * refused operations ({@link CoalescedWriteError}) or with the error that failed the round trip.
   */
  write(ops: AnyBulkWriteOperation<T> | AnyBulkWriteOperation<T>[]): Promise<void> {
    const list = Array.isArray(ops) ? ops : [ops];
    if (list.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.batcher.add({ ops: list, weight: list.length, resolve, reject }));
  }

  private async send(batch: WriteRequest<T>[]): Promise<void> {
    // Statements, grouped by command, each with its caller and its index among the caller's ops.
    const groups: Record<Statement['kind'], Array<{ doc: Document; request: number; index: number }>> = { update: [], delete: [], insert: [] };
    const live: boolean[] = batch.map(() => true);
    batch.forEach((r, request) => {
      try {
        const statements = r.ops.map((op) => statementOf(op as AnyBulkWriteOperation<Document>));
        statements.forEach((st, index) => groups[st.kind].push({ doc: st.doc, request, index }));
      } catch (err) {
        live[request] = false;
        r.reject(err);
      }
    });
    const failed = new Map<number, unknown>();
    const refused = new Map<number, WriteErrorInfo[]>();
    const writeConcern = this.writeConcern();
    const oversized: number[] = [];
    await Promise.all((Object.keys(groups) as Array<Statement['kind']>).map(async (kind) => {
      const list = groups[kind];
      if (list.length === 0) return;
      try {
        const reply = await this.db.command({ [kind]: this.name, [COMMAND_FIELD[kind]]: list.map((x) => x.doc), ordered: false, ...(writeConcern ? { writeConcern } : {}) });
        for (const w of (reply.writeErrors ?? []) as Array<{ index: number; code?: number; errmsg?: string; errInfo?: Document }>) {
          const x = list[w.index];
          if (x === undefined) continue;
          const mine = refused.get(x.request) ?? [];
          mine.push({ index: x.index, code: w.code, errmsg: w.errmsg, errInfo: w.errInfo });
          refused.set(x.request, mine);
        }
      } catch (err) {
        if (isClientSideError(err)) {
          for (const x of list) oversized.push(x.request);
          return;
        }
        for (const x of list) if (!failed.has(x.request)) failed.set(x.request, err);
      }
    }));
    // Requests the command path could not send go through the driver's bulk write (which splits
    // large batches), each on its own so a malformed one fails only its caller.
    const retry = new Set(oversized.filter((k) => !failed.has(k)));
    await Promise.all([...retry].map((k) => this.sendWithBulkWrite(batch[k] as WriteRequest<T>)));
    batch.forEach((r, k) => {
      if (!live[k] || retry.has(k)) return;
      const err = failed.get(k);
      if (err !== undefined) r.reject(err);
      else if (refused.has(k)) r.reject(new CoalescedWriteError((refused.get(k) as WriteErrorInfo[]).sort((a, b) => a.index - b.index)));
      else r.resolve();
    });
  }

  private async sendWithBulkWrite(r: WriteRequest<T>): Promise<void> {
    try {
      await this.col.bulkWrite(r.ops, { ordered: false });
      r.resolve();
    } catch (err) {
      const writeErrors = err instanceof MongoBulkWriteError ? writeErrorsOf(err) : [];
      if (writeErrors.length === 0) r.reject(wholeBatchError(err));
      else r.reject(new CoalescedWriteError(writeErrors.map((w) => ({ index: w.index, code: w.code, errmsg: w.errmsg, errInfo: w.errInfo as Document | undefined }))));
    }
  }

  /** The collection's write concern, as the command takes it (a command does not inherit it). */
  private writeConcern(): Document | undefined {
    const wc = this.col.writeConcern;
    if (wc === undefined) return undefined;
    const out: Document = {};
    if (wc.w !== undefined) out.w = wc.w;
    if (wc.journal !== undefined) out.j = wc.journal;
    if (wc.wtimeoutMS !== undefined) out.wtimeout = wc.wtimeoutMS;
    return Object.keys(out).length === 0 ? undefined : out;
  }
}

type IdKey = string;
type Id = string | number | ObjectId;

function idKey(id: unknown): IdKey {
  if (typeof id === 'string') return `s${id}`;
  if (typeof id === 'number') return `n${id}`;
  if (id instanceof ObjectId) return `o${id.toHexString()}`;
  throw new TypeError('IdReadCoalescer: _id values must be strings, numbers or ObjectIds');
}

interface ReadRequest<T> {
  ids: Id[];
  weight: number;
  resolve: (docs: WithId<T>[]) => void;
  reject: (err: unknown) => void;
}

/**
 * `find({ _id: { $in: ids } })` of concurrent callers on one collection, merged per projection
 * into one query. Each caller gets the documents it asked for (in no particular order, like the
 * query); a document asked for by several callers of one round trip is copied for all but the
 * first, so callers may keep and change what they get.
 */
export class IdReadCoalescer<T extends Document = Document> {
  private readonly queues = new Map<string, Batcher<ReadRequest<T>>>();

  private readonly col: Collection<T>;

  constructor(private readonly db: Db, private readonly name: string, private readonly opts: CoalesceOptions = {}) {
    this.col = db.collection<T>(name);
  }

  find(ids: readonly Id[], options: { projection?: Document } = {}): Promise<WithId<T>[]> {
    if (ids.length === 0) return Promise.resolve([]);
    const projection = options.projection;
    const key = projection === undefined ? '' : JSON.stringify(projection);
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = new Batcher((batch) => this.send(batch, projection), this.opts);
      this.queues.set(key, queue);
    }
    const q = queue;
    return new Promise<WithId<T>[]>((resolve, reject) => q.add({ ids: [...ids], weight: ids.length, resolve, reject }));
  }

  /**
   * A `find` command asking for every document in its first batch (no cursor machinery, no
   * getMore: the driver's cursor costs about as much client CPU as the round trip). Should the
   * server still leave a cursor open (a reply over 16 MB), it is closed and the query runs again
   * as a cursor.
   */
  private async query(ids: Id[], projection: Document | undefined): Promise<WithId<T>[]> {
    const reply = await this.db.command({ find: this.name, filter: { _id: { $in: ids } }, ...(projection ? { projection } : {}), batchSize: ids.length });
    const cursor = reply.cursor as { id: unknown; firstBatch: WithId<T>[] };
    if (isZeroCursorId(cursor.id)) return cursor.firstBatch;
    await this.db.command({ killCursors: this.name, cursors: [cursor.id] }).catch(() => undefined);
    return (await this.col.find({ _id: { $in: ids } } as never, projection ? { projection } : {}).toArray()) as WithId<T>[];
  }

  private async send(batch: ReadRequest<T>[], projection: Document | undefined): Promise<void> {
    // `_id` is needed to hand documents back; a projection that drops it gets it and loses it after.
    const dropId = projection !== undefined && (projection._id === 0 || projection._id === false);
    const queryProjection = dropId ? Object.fromEntries(Object.entries(projection).filter(([k]) => k !== '_id')) : projection;
    const unique = new Map<IdKey, Id>();
    try {
      for (const r of batch) for (const id of r.ids) unique.set(idKey(id), id);
    } catch (err) {
      for (const r of batch) r.reject(err);
      return;
    }
    let docs: WithId<T>[];
    try {
      docs = await this.query([...unique.values()], queryProjection === undefined || Object.keys(queryProjection).length === 0 ? undefined : queryProjection);
    } catch (err) {
      for (const r of batch) r.reject(err);
      return;
    }
    const byId = new Map(docs.map((d) => [idKey(d._id), d] as const));
    const handedOut = new Set<IdKey>();
    for (const r of batch) {
      const mine: WithId<T>[] = [];
      const seen = new Set<IdKey>();
      for (const id of r.ids) {
        const k = idKey(id);
        const d = byId.get(k);
        if (d === undefined || seen.has(k)) continue;
        seen.add(k);
        let copy = handedOut.has(k) ? (BSON.deserialize(BSON.serialize(d)) as WithId<T>) : d;
        handedOut.add(k);
        if (dropId) {
          const { _id: _drop, ...rest } = copy;
          copy = rest as WithId<T>;
        }
        mine.push(copy);
      }
      r.resolve(mine);
    }
  }
}

function isZeroCursorId(id: unknown): boolean {
  if (id === 0 || id === 0n || id === undefined || id === null) return true;
  return typeof id === 'object' && typeof (id as { isZero?: unknown }).isZero === 'function' && (id as { isZero(): boolean }).isZero();
}

/**
 * `findOne` as one `find` command (limit 1, single batch), without the driver's cursor machinery,
 * which costs about as much client CPU as the round trip: for hot single-document reads that
 * cannot be batched (a lookup by a unique key other than `_id`, which the stand-in serves from an
 * index only one at a time).
 */
export async function findOneDirect<T extends Document>(db: Db, collection: string, filter: Document, options: { projection?: Document } = {}): Promise<T | null> {
  const reply = await db.command({ find: collection, filter, ...(options.projection ? { projection: options.projection } : {}), limit: 1, singleBatch: true, batchSize: 1 });
  const first = (reply.cursor as { firstBatch: T[] }).firstBatch[0];
  return first ?? null;
}

const writeCoalescers = new WeakMap<Db, Map<string, BulkWriteCoalescer<Document>>>();
const readCoalescers = new WeakMap<Db, Map<string, IdReadCoalescer<Document>>>();

/** The entry of a per-database, per-collection registry, made on first use. */
function registered<C>(registry: WeakMap<Db, Map<string, C>>, db: Db, collection: string, make: () => C): C {
  const byName = registry.get(db) ?? new Map<string, C>();
  registry.set(db, byName);
  const known = byName.get(collection);
  if (known !== undefined) return known;
  const made = make();
  byName.set(collection, made);
  return made;
}

/** The process's write coalescer of one collection of a database (created on first use). */
export function coalescedWrites<T extends Document = Document>(db: Db, collection: string): BulkWriteCoalescer<T> {
  return registered(writeCoalescers, db, collection, () => new BulkWriteCoalescer(db, collection)) as unknown as BulkWriteCoalescer<T>;
}

/** The process's `_id $in` read coalescer of one collection of a database (created on first use). */
export function coalescedReads<T extends Document = Document>(db: Db, collection: string): IdReadCoalescer<T> {
  return registered(readCoalescers, db, collection, () => new IdReadCoalescer(db, collection)) as unknown as IdReadCoalescer<T>;
}
