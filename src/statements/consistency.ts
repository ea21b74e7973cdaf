/**
 * Tracks statement writes in flight in this process so `X-Experience-API-Consistent-Through`
 * never names a time after which a write could still become visible (xAPI 2.0 / 1.0.3
 * Communication §2.1.3): the watermark stays below the `stored` of the oldest write not yet
 * acknowledged by MongoDB, minus a margin for other API processes and clock skew.
 */
export function consistencyTracker(opts: { marginMs: number; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const inflight = new Map<number, number>();
  let nextToken = 0;
  let lastStored = 0;
  return {
    /** A `stored` time for a new write (never earlier than the previous one) and a token to end it. */
    begin(): { stored: number; token: number } {
      const stored = Math.max(now(), lastStored);
      lastStored = stored;
      const token = nextToken++;
      inflight.set(token, stored);
      return { stored, token };
    },
    end(token: number): void {
      inflight.delete(token);
    },
    consistentThrough(): Date {
      let bound = now();
      for (const stored of inflight.values()) bound = Math.min(bound, stored - 1);
      return new Date(bound - opts.marginMs);
    },
  };
}
export type ConsistencyTracker = ReturnType<typeof consistencyTracker>;
