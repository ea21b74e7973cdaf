/**
 * Timestamp normalisation.
 *
 * xAPI 1.0.3 Data §4.5: timestamps are ISO 8601 (SHOULD* be RFC 3339), keep at least millisecond
 * precision, MAY be returned in another time zone as long as the instant is unchanged, SHOULD* be
 * returned in UTC, and MAY be truncated or rounded to 3 decimal digits. xAPI 2.0 converts a
 * timestamp with an offset to UTC rather than rejecting it.
 *
 * Decisions:
 * - Output is always `YYYY-MM-DDTHH:mm:ss.sssZ`: fixed width, so for years 0000–9999 the string
 *   order is the chronological order (usable directly in MongoDB string indexes and range queries).
 * - Digits beyond milliseconds are truncated, not rounded: truncation never carries into the next
 *   second/day, and it keeps order (a ≤ b ⇒ trunc(a) ≤ trunc(b)). The statement as received keeps
 *   the original string for `format=exact`, so nothing is lost for clients that sent more.
 * - A timestamp without a zone is read as UTC (ISO 8601 calls it local time, which an LRS cannot
 *   know; UTC is the only reading that gives every server the same answer). RFC 3339's `-00:00`
 *   ("offset unknown") is UTC as well.
 * - Accepted forms: extended `2024-05-01T10:20:30.123+02:00`, RFC 3339's space or lower-case `t`
 *   separator and lower-case `z`, offsets `±HH:MM`, `±HHMM`, `±HH`, and ISO 8601 `24:00:00`
 *   (end of day). Basic format (`20240501T102030Z`), week and ordinal dates are not accepted.
 * - Leap second `:60` is accepted and lands on the next second (JavaScript time has no leap seconds).
 */

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Milliseconds since the epoch for a timestamp, or undefined when it is not one we accept. */
export function timestampToEpochMillis(ts: string): number | undefined {
  const m = TIMESTAMP.exec(ts);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number, number, number, number, number, number,
  ];
  const fraction = m[7] ?? '';
  const millis = Number((fraction + '000').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (minute > 59 || second > 60) return undefined;
  const endOfDay = hour === 24 && minute === 0 && second === 0 && /^0*$/.test(fraction);
  if (hour > 23 && !endOfDay) return undefined;

  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11] ?? '0');
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }

  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * 60_000;
}

/**
 * The timestamp in UTC as `YYYY-MM-DDTHH:mm:ss.sssZ`, or undefined when it is not a valid
 * timestamp or the instant falls outside years 0000–9999 after conversion.
 */
export function toUtcIsoMillis(ts: string): string | undefined {
  const epoch = timestampToEpochMillis(ts);
  if (epoch === undefined) return undefined;
  const iso = new Date(epoch).toISOString();
  // toISOString switches to a signed six-digit year outside 0000–9999.
  return iso.length === 24 ? iso : undefined;
}

/**
 * Orders timestamp strings by the instant they denote (millisecond precision), for `Array#sort`.
 * Invalid timestamps sort after all valid ones, among themselves by plain string order.
 */
export function compareTimestamps(a: string, b: string): number {
  const ea = timestampToEpochMillis(a);
  const eb = timestampToEpochMillis(b);
  if (ea === undefined || eb === undefined) {
    if (ea !== undefined) return -1;
    if (eb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return ea - eb;
}

/** True when both strings are valid timestamps naming the same instant (to the millisecond). */
export function sameInstant(a: string, b: string): boolean {
  const ea = timestampToEpochMillis(a);
  return ea !== undefined && ea === timestampToEpochMillis(b);
}
