import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../statements/statements.repository';
import { Batcher, coalescedReads, coalescedWrites } from '../storage/coalesce';
import { fromJsonText, toJsonText, type JsonText } from '../storage/json-text';
import { cellGroups, type CellGroup, type CompactRow, type FeedPayload } from './feed-payload';

/**
 * A change feed for the analytics snapshots (`analytics-snapshot.ts`): writers append what they
 * changed, readers (every API process) replay what they have not seen. Without it a reader could
 * only find changed states by scanning `competency_states` (the stand-in serves only `_id` and
 * whole-unique-key lookups from an index; everything else is a collection scan).
 *
 * One channel per store and subject (`g<generation>` for the states of a scoring generation,
 * `learners`, `completions`). Each channel is a counter (`head`) and a ring of `RING` slots keyed
 * by `n mod RING`, so every write and read is by `_id` and the feed never grows beyond the ring.
 * A writer allocates `n` *after* its own data write: whoever reads the head afterwards and then
 * reads the data sees at least that write (see `analytics-snapshot.ts` for why replay order is
 * safe). A reader that fell more than `RING` behind cannot tell what it missed and reloads.
 *
 * Concurrent appends to one channel are coalesced: one `$inc` of the head by their number hands
 * out consecutive positions, after every one of their data writes, and their slots are written in
 * one bulk write (`storage/coalesce.ts`; the stand-in serves a few thousand single operations per
 * second, so two round trips per append would cap the scoring worker).
 */
export const FEED_RING = 20_000;

interface HeadDoc { _id: string; n: number }
/** A slot; its payload as JSON text (`storage/json-text.ts`: read only whole, by `_id`). */
interface SlotDoc { _id: string; n: number; at: Date; p: JsonText<FeedPayload> }

/** One replayed change. */
export interface FeedEntry { n: number; at: Date; payload: FeedPayload }

/** What a read found after position `after`. */
export type FeedRead =
  | { kind: 'entries'; head: number; entries: FeedEntry[]; gapAt?: number }
  /** More than the ring holds was written since `after` (or the ring was overwritten meanwhile). */
  | { kind: 'overflow'; head: number };

const headId = (store: string, channel: string) => `h\u0001${store}\u0001${channel}`;
const slotId = (store: string, channel: string, n: number) => `s\u0001${store}\u0001${channel}\u0001${n % FEED_RING}`;

/** Channel of a scoring generation's states and roll-ups. */
export const generationChannel = (generation: number) => `g${generation}`;

/** An appended entry: its position, and the write of its slot (settles when the slot is written). */
export interface FeedAppend { n: number; written: Promise<void> }

interface AppendRequest { payload: FeedPayload; at: Date; weight: number; resolve: (a: FeedAppend) => void; reject: (err: unknown) => void }

// Per database, per store and channel: the appends waiting for a sequence number.
const appendQueues = new WeakMap<Db, Map<string, Batcher<AppendRequest>>>();

/** Most entries one allocation hands out (far below `FEED_RING`, so one batch never laps the ring). */
const MAX_APPEND_BATCH = 500;

/** Most cell rows one merged entry carries (a slot is one document: it stays far below 16 MB). */
const MAX_ROWS_PER_ENTRY = 5000;

/**
 * The entries for a batch of concurrent appends to one channel, each with the indices of the
 * appends it carries: one entry per kind (another one when a `cells` entry reaches
 * {@link MAX_ROWS_PER_ENTRY} rows). Replaying an entry is replaying its appends one after the
 * other: a learner's rows stay in the order of the appends (rows of different learners do not
 * interact), completions and voids are applied in order, learner ids are a set. Concurrent
 * appends were never ordered among themselves, so grouping them by kind reorders nothing.
 */
export function mergeAppends(payloads: readonly FeedPayload[]): Array<{ payload: FeedPayload; from: number[] }> {
  const out: Array<{ payload: FeedPayload; from: number[] }> = [];
  // The open entry of each kind (a payload built in place), and for cells each learner's rows in it.
  let cells: { payload: Extract<FeedPayload, { k: 'cells' }>; from: number[]; rowsOf: Map<string, CompactRow[]>; size: number } | undefined;
  let completions: { payload: Extract<FeedPayload, { k: 'completions' }>; from: number[] } | undefined;
  let learners: { payload: Extract<FeedPayload, { k: 'learners' }>; from: number[]; ids: Set<string> } | undefined;
  payloads.forEach((p, i) => {
    if (p.k === 'cells') {
      const groups = cellGroups(p);
      const size = groups.reduce((n, g) => n + g.rows.length, 0);
      if (cells === undefined || cells.size + size > MAX_ROWS_PER_ENTRY) {
        const payload: Extract<FeedPayload, { k: 'cells' }> = { k: 'cells', l: p.l, rows: [] };
        cells = { payload, from: [], rowsOf: new Map([[p.l, payload.rows]]), size: 0 };
        out.push(cells);
      }
      for (const g of groups) {
        let rows = cells.rowsOf.get(g.l);
        if (rows === undefined) {
          const group: CellGroup = { l: g.l, rows: (rows = []) };
          (cells.payload.more ??= []).push(group);
          cells.rowsOf.set(g.l, rows);
        }
        rows.push(...g.rows);
      }
      cells.size += size;
      cells.from.push(i);
    } else if (p.k === 'completions') {
      if (completions === undefined) {
        completions = { payload: { k: 'completions', add: [], voids: [] }, from: [] };
        out.push(completions);
      }
      completions.payload.add.push(...p.add);
      completions.payload.voids.push(...p.voids);
      completions.from.push(i);
    } else {
      if (learners === undefined) {
        learners = { payload: { k: 'learners', ids: [] }, from: [], ids: new Set() };
        out.push(learners);
      }
      for (const id of p.ids) {
        if (learners.ids.has(id)) continue;
        learners.ids.add(id);
        learners.payload.ids.push(id);
      }
      learners.from.push(i);
    }
  });
  return out.map(({ payload, from }) => ({ payload, from }));
}

export function analyticsFeedRepository(db: Db) {
  const col: Collection<HeadDoc | SlotDoc> = db.collection('analytics_feed');
  const writes = coalescedWrites<HeadDoc | SlotDoc>(db, 'analytics_feed');
  const reads = coalescedReads<HeadDoc | SlotDoc>(db, 'analytics_feed');

  /** Allocates `k` positions; returns the last one. */
  async function allocate(store: string, channel: string, k: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await (col as Collection<HeadDoc>).findOneAndUpdate({ _id: headId(store, channel) }, { $inc: { n: k } }, { upsert: true, returnDocument: 'after' });
        return doc?.n ?? k;
      } catch (err) {
        // Two first writes of a channel race on the upsert; the loser retries as an update.
        if (!isDuplicateKeyError(err) || attempt >= 2) throw err;
      }
    }
  }

  /**
   * Appends of concurrent writers to one channel share a round trip: one `$inc` of the head
   * allocates their positions (every writer in the batch called `append` after its own data
   * write, so the allocation still follows it), then their slots go out in one bulk write. The
   * batch's appends of one kind share one entry ({@link mergeAppends}), so a batch costs one slot
   * write per kind rather than one per append.
   */
  async function appendBatch(store: string, channel: string, batch: AppendRequest[]): Promise<void> {
    const entries = mergeAppends(batch.map((r) => r.payload)).map((m) => ({ payload: m.payload, at: (batch[m.from[0] as number] as AppendRequest).at, requests: m.from.map((i) => batch[i] as AppendRequest) }));
    let last: number;
    try {
      last = await allocate(store, channel, entries.length);
    } catch (err) {
      for (const r of batch) r.reject(err);
      return;
    }
    const first = last - entries.length + 1;
    entries.forEach((e, i) => {
      const n = first + i;
      const written = writes.write({ replaceOne: { filter: { _id: slotId(store, channel, n) }, replacement: { n, at: e.at, p: toJsonText(e.payload) } as SlotDoc, upsert: true } });
      // Handled here so a caller that has not awaited it yet causes no unhandled rejection; the
      // caller still gets the error when it awaits `written`.
      written.catch(() => undefined);
      for (const r of e.requests) r.resolve({ n, written });
    });
  }

  function queueOf(store: string, channel: string): Batcher<AppendRequest> {
    let byChannel = appendQueues.get(db);
    if (byChannel === undefined) appendQueues.set(db, (byChannel = new Map()));
    const key = `${store}\u0001${channel}`;
    let q = byChannel.get(key);
    if (q === undefined) byChannel.set(key, (q = new Batcher((batch) => appendBatch(store, channel, batch), { maxBatch: MAX_APPEND_BATCH })));
    return q;
  }

  return {
    /**
     * Appends a change to a channel (call it after the change itself is written); resolves with its
     * position once its slot is written.
     */
    async append(store: string, channel: string, payload: FeedPayload, now = new Date()): Promise<number> {
      const a = await this.appendSequenced(store, channel, payload, now);
      await a.written;
      return a.n;
    },

    /**
     * {@link append} in two steps: resolves once the entry has its position (what orders it after
     * everything its writer did before, and before anything the writer does after), with the
     * write of its slot still under way in `written`. A writer may go on once it has the position
     * and await `written` later; a reader meanwhile waits at the unwritten slot (`gapAt`).
     */
    appendSequenced(store: string, channel: string, payload: FeedPayload, now = new Date()): Promise<FeedAppend> {
      return new Promise<FeedAppend>((resolve, reject) => queueOf(store, channel).add({ payload, at: now, weight: 1, resolve, reject }));
    },

    /** The channel's position now (0 when nothing was ever written). */
    async head(store: string, channel: string): Promise<number> {
      const [doc] = await reads.find([headId(store, channel)], { projection: { n: 1 } });
      return doc?.n ?? 0;
    },

    /**
     * Entries after `after`, in order, up to `max` of them. Stops before the first slot not written
     * yet (`gapAt`: its writer allocated it and is still writing, or died; the caller decides when
     * to give up waiting).
     */
    async read(store: string, channel: string, after: number, max = 5000): Promise<FeedRead> {
      const head = await this.head(store, channel);
      if (head - after > FEED_RING) return { kind: 'overflow', head };
      const upTo = Math.min(head, after + max);
      if (upTo <= after) return { kind: 'entries', head, entries: [] };
      const ids: string[] = [];
      for (let n = after + 1; n <= upTo; n++) ids.push(slotId(store, channel, n));
      const docs = (await reads.find(ids)) as SlotDoc[];
      const bySlot = new Map(docs.map((d) => [d._id, d]));
      const entries: FeedEntry[] = [];
      for (let n = after + 1; n <= upTo; n++) {
        const d = bySlot.get(slotId(store, channel, n));
        if (d === undefined || d.n < n) return { kind: 'entries', head, entries, gapAt: n };
        if (d.n > n) return { kind: 'overflow', head };
        entries.push({ n, at: d.at, payload: fromJsonText(d.p) });
      }
      return { kind: 'entries', head, entries };
    },
  };
}
export type AnalyticsFeedRepository = ReturnType<typeof analyticsFeedRepository>;
