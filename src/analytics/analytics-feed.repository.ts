import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../statements/statements.repository';
import type { FeedPayload } from './feed-payload';

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
 */
export const FEED_RING = 20_000;

interface HeadDoc { _id: string; n: number }
interface SlotDoc { _id: string; n: number; at: Date; p: FeedPayload }

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

export function analyticsFeedRepository(db: Db) {
  const col: Collection<HeadDoc | SlotDoc> = db.collection('analytics_feed');

  async function allocate(store: string, channel: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await (col as Collection<HeadDoc>).findOneAndUpdate({ _id: headId(store, channel) }, { $inc: { n: 1 } }, { upsert: true, returnDocument: 'after' });
        return doc?.n ?? 1;
      } catch (err) {
        // Two first writes of a channel race on the upsert; the loser retries as an update.
        if (!isDuplicateKeyError(err) || attempt >= 2) throw err;
      }
    }
  }

  return {
    /** Appends a change to a channel (call it after the change itself is written). */
    async append(store: string, channel: string, payload: FeedPayload, now = new Date()): Promise<number> {
      const n = await allocate(store, channel);
      await (col as Collection<SlotDoc>).replaceOne({ _id: slotId(store, channel, n) }, { n, at: now, p: payload }, { upsert: true });
      return n;
    },

    /** The channel's position now (0 when nothing was ever written). */
    async head(store: string, channel: string): Promise<number> {
      const doc = await (col as Collection<HeadDoc>).findOne({ _id: headId(store, channel) });
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
      const docs = await (col as Collection<SlotDoc>).find({ _id: { $in: ids } }).toArray();
      const bySlot = new Map(docs.map((d) => [d._id, d]));
      const entries: FeedEntry[] = [];
      for (let n = after + 1; n <= upTo; n++) {
        const d = bySlot.get(slotId(store, channel, n));
        if (d === undefined || d.n < n) return { kind: 'entries', head, entries, gapAt: n };
        if (d.n > n) return { kind: 'overflow', head };
        entries.push({ n, at: d.at, payload: d.p });
      }
      return { kind: 'entries', head, entries };
    },
  };
}
export type AnalyticsFeedRepository = ReturnType<typeof analyticsFeedRepository>;
