import type { XapiLine } from '../../xapi/xapi-version';

/**
 * Timestamps (`timestamp`, `stored`).
 *
 * xAPI 1.0.3 Data §4.5: ISO 8601 date and time; the ADL 1.0.3 conformance suite rejects the
 * "unknown offset" forms -00, -0000 and -00:00. We also require a time zone: 1.0.3 says SHOULD,
 * but a time without a zone cannot be stored as a point in time, and 2.0 makes these SHOULDs
 * binding. Accepted: `YYYY-MM-DDThh:mm[:ss[.fff…]]` followed by `Z`, `±hh:mm`, `±hhmm` or `±hh`.
 *
 * xAPI 2.0: RFC 3339 forms are accepted too, so the date and time may also be separated by a
 * space or a lowercase `t`, and UTC may be written `z`. The ADL 2.0 conformance suite still
 * rejects -00, -0000 and -00:00 (RFC 3339's "offset unknown"), so we do as well.
 *
 * Leap seconds (`:60`) are rejected: they cannot be represented once converted to a stored date.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

const EXAMPLE = 'e.g. 2024-05-01T12:30:00.000Z';

/** What is wrong with `value` as a timestamp on `line`, or undefined when it is fine. */
export function timestampProblem(value: string, line: XapiLine): string | undefined {
  const m = TIMESTAMP.exec(value);
  if (!m) return `must be an ISO 8601 date and time with a time zone, ${EXAMPLE}`;
  const separator = m[4];
  const zone = m.groups?.zone;
  if (line === '1.0' && separator !== 'T') {
    return `must separate date and time with "T" in xAPI 1.0.3, ${EXAMPLE}`;
  }
  if (zone === undefined) return 'must include a time zone (Z or an offset such as +02:00)';
  if (line === '1.0' && zone === 'z') return 'must write UTC as "Z" in xAPI 1.0.3';
  if (/^-00(:?00)?$/.test(zone)) return `must not use the offset ${zone}; write UTC as Z or +00:00`;
  if (!isRealDateTime(m, zone)) return 'must be a real calendar date and time';
  return undefined;
}

function isRealDateTime(m: RegExpExecArray, zone: string): boolean {
  const [year, month, day, hour, minute] = [1, 2, 3, 5, 6].map((i) => Number(m[i]));
  const second = m[7] === undefined ? 0 : Number(m[7]);
  if (
    year === undefined || month === undefined || day === undefined ||
    hour === undefined || minute === undefined
  ) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (/^[Zz]$/.test(zone)) return true;
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = zone.length > 3 ? Number(zone.slice(-2)) : 0;
  return offsetHours <= 23 && offsetMinutes <= 59;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
