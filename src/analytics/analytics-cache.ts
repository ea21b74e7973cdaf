/**
 * One {@link AnalyticsSnapshot} per store in this process, loaded on first use and brought up to
 * date before every answer (read-your-writes: a change whose feed entry exists when a request
 * starts is in its answer). Concurrent requests share one refresh; a store unused for
 * `idleMs` is dropped. While a snapshot is held it is also refreshed every `backgroundMs`, so the
 * feed's ring never overtakes it and a request rarely has much to replay.
 */
import type { Logger } from 'pino';
import type { GenerationsRepository } from '../competency/generations.repository';
import type { AnalyticsSnapshot } from './analytics-snapshot';
import type { FeedPositions, SnapshotSource } from './snapshot-source';

export interface AnalyticsCacheOptions {
  source: SnapshotSource;
  generations: GenerationsRepository;
  logger?: Logger;
  /** Drop a store's snapshot after this long without requests. @defaultValue 15 minutes */
  idleMs?: number;
  /** Refresh held snapshots this often (0: only on requests). @defaultValue 2000 */
  backgroundMs?: number;
}

class Holder {
  snapshot: AnalyticsSnapshot | null = null;
  positions: FeedPositions | null = null;
  readonly gaps = new Map<string, { n: number; since: number }>();
  lastUsed = Date.now();
  private requested = 0;
  private completed = 0;
  private running: Promise<void> | null = null;

  constructor(private readonly store: string, private readonly opts: AnalyticsCacheOptions) {}

  /** Resolves once a refresh that started after this call has finished. */
  async fresh(): Promise<AnalyticsSnapshot> {
    const mine = ++this.requested;
    while (this.completed < mine) {
      if (this.running === null) {
        const target = this.requested;
        this.running = this.refreshOnce()
          .then(() => { this.completed = Math.max(this.completed, target); })
          .finally(() => { this.running = null; });
      }
      await this.running;
    }
    return this.snapshot as AnalyticsSnapshot;
  }

  private async refreshOnce(): Promise<void> {
    const { active } = await this.opts.generations.peek(this.store);
    if (this.snapshot !== null && this.positions !== null && this.snapshot.generation === active) {
      const r = await this.opts.source.refresh(this.snapshot, this.positions, this.gaps);
      if (r === 'ok') return;
      this.opts.logger?.warn({ store: this.store }, 'analytics snapshot fell behind its feed; reloading');
    }
    const loaded = await this.opts.source.load(this.store, active);
    this.gaps.clear();
    // Whatever happened during the load is replayed at once.
    await this.opts.source.refresh(loaded.snapshot, loaded.positions, this.gaps);
    this.snapshot = loaded.snapshot;
    this.positions = loaded.positions;
  }
}

export function analyticsCache(opts: AnalyticsCacheOptions) {
  const holders = new Map<string, Holder>();
  const idleMs = opts.idleMs ?? 15 * 60_000;
  const backgroundMs = opts.backgroundMs ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  if (backgroundMs > 0) {
    timer = setInterval(() => {
      const now = Date.now();
      for (const [store, h] of holders) {
        if (now - h.lastUsed > idleMs) holders.delete(store);
        else if (h.snapshot !== null) h.fresh().catch((err: unknown) => opts.logger?.warn({ err, store }, 'analytics background refresh failed'));
      }
    }, backgroundMs);
    timer.unref();
  }
  return {
    /** The store's snapshot, current as of this call. */
    async snapshot(store: string): Promise<AnalyticsSnapshot> {
      let h = holders.get(store);
      if (h === undefined) holders.set(store, (h = new Holder(store, opts)));
      h.lastUsed = Date.now();
      return h.fresh();
    },
    close(): void {
      if (timer) clearInterval(timer);
      holders.clear();
    },
  };
}
export type AnalyticsCache = ReturnType<typeof analyticsCache>;
