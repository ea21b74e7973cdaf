import type { EpochMs } from './evidence-types';

/** The engine never reads the clock; callers pass `now` as a Date or epoch milliseconds. */
export type Instant = EpochMs | Date;

export function toEpochMs(t: Instant): EpochMs {
  return typeof t === 'number' ? t : t.getTime();
}

export const DAY_MS = 86_400_000;
