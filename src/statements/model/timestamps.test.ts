import fc from 'fast-check';
import { compareTimestamps, sameInstant, timestampToEpochMillis, toUtcIsoMillis } from './timestamps';

describe('toUtcIsoMillis', () => {
  it.each([
    ['2024-05-01T10:20:30.123Z', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T10:20:30Z', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T12:20:30.1+02:00', '2024-05-01T10:20:30.100Z'],
    ['2024-05-01T05:50:30.123-04:30', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T12:20:30+0200', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T12:20:30+02', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30.123-00:00', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01 10:20:30.123z', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01t10:20:30Z', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30,5Z', '2024-05-01T10:20:30.500Z'],
  ])('converts %s to UTC with milliseconds', (input, expected) => {
    expect(toUtcIsoMillis(input)).toBe(expected);
  });

  it('crosses a day, month and year boundary when the offset moves the instant', () => {
    expect(toUtcIsoMillis('2024-01-01T01:00:00+02:00')).toBe('2023-12-31T23:00:00.000Z');
  });

  it('truncates digits beyond milliseconds instead of rounding them into the next second', () => {
    expect(toUtcIsoMillis('2023-12-31T23:59:59.9999999Z')).toBe('2023-12-31T23:59:59.999Z');
  });

  it('reads a timestamp without a zone as UTC', () => {
    expect(toUtcIsoMillis('2024-05-01T10:20:30.5')).toBe('2024-05-01T10:20:30.500Z');
  });

  it('accepts 24:00:00 as the end of the day and a leap second as the next second', () => {
    expect(toUtcIsoMillis('2024-05-01T24:00:00Z')).toBe('2024-05-02T00:00:00.000Z');
    expect(toUtcIsoMillis('2016-12-31T23:59:60Z')).toBe('2017-01-01T00:00:00.000Z');
  });

  it('keeps years below 100 instead of moving them to the 1900s', () => {
    expect(toUtcIsoMillis('0042-03-04T05:06:07Z')).toBe('0042-03-04T05:06:07.000Z');
  });

  it.each([
    [''],
    ['not a date'],
    ['2024-13-01T00:00:00Z'],
    ['2023-02-29T00:00:00Z'],
    ['2024-04-31T00:00:00Z'],
    ['2024-05-01T24:00:01Z'],
    ['2024-05-01T10:60:00Z'],
    ['2024-05-01T10:20:30+24:00'],
    ['2024-05-01'],
    ['20240501T102030Z'],
    ['2024-05-01T10:20:30.Z'],
    ['0000-01-01T00:00:00+01:00'],
    [' 2024-05-01T10:20:30Z'],
  ])('rejects %j', (input) => {
    expect(toUtcIsoMillis(input)).toBeUndefined();
  });

  it('accepts the 29th of February in a leap year', () => {
    expect(toUtcIsoMillis('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
  });

  const instants = fc.date({ min: new Date('0100-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true });
  const offsets = fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 });

  function withOffset(date: Date, offsetMinutes: number): string {
    const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
    const sign = offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(offsetMinutes);
    const hh = String(Math.floor(abs / 60)).padStart(2, '0');
    const mm = String(abs % 60).padStart(2, '0');
    return `${local}${sign}${hh}:${mm}`;
  }

  it('returns the same instant whatever offset the timestamp was written in', () => {
    fc.assert(
      fc.property(instants, offsets, (date, offset) => {
        expect(toUtcIsoMillis(withOffset(date, offset))).toBe(date.toISOString());
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(instants, offsets, (date, offset) => {
        const once = toUtcIsoMillis(withOffset(date, offset));
        expect(once && toUtcIsoMillis(once)).toBe(once);
      }),
    );
  });

  it('gives strings whose plain text order is the chronological order', () => {
    fc.assert(
      fc.property(instants, instants, offsets, offsets, (a, b, oa, ob) => {
        const ua = toUtcIsoMillis(withOffset(a, oa)) ?? '';
        const ub = toUtcIsoMillis(withOffset(b, ob)) ?? '';
        const textOrder = ua < ub ? -1 : ua > ub ? 1 : 0;
        expect(textOrder).toBe(Math.sign(a.getTime() - b.getTime()));
      }),
    );
  });
});

describe('compareTimestamps', () => {
  it('sorts by instant, not by text', () => {
    const sorted = ['2024-05-01T12:00:00+03:00', '2024-05-01T10:00:00Z', '2024-05-01T09:30:00Z'].sort(compareTimestamps);
    expect(sorted).toEqual(['2024-05-01T12:00:00+03:00', '2024-05-01T09:30:00Z', '2024-05-01T10:00:00Z']);
  });

  it('puts invalid timestamps after valid ones', () => {
    expect(['garbage', '2024-05-01T10:00:00Z'].sort(compareTimestamps)).toEqual(['2024-05-01T10:00:00Z', 'garbage']);
  });

  it('agrees with the order of the instants', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('3000-01-01') }), fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('3000-01-01') }), (a, b) => {
        expect(Math.sign(compareTimestamps(a.toISOString(), b.toISOString()))).toBe(Math.sign(a.getTime() - b.getTime()));
      }),
    );
  });
});

describe('sameInstant', () => {
  it('treats different offsets and precisions of one instant as the same', () => {
    expect(sameInstant('2024-05-01T12:00:00.000+02:00', '2024-05-01T10:00:00Z')).toBe(true);
    expect(sameInstant('2024-05-01T10:00:00.1234Z', '2024-05-01T10:00:00.123Z')).toBe(true);
  });

  it('tells different instants apart and never matches invalid text', () => {
    expect(sameInstant('2024-05-01T10:00:00.001Z', '2024-05-01T10:00:00Z')).toBe(false);
    expect(sameInstant('nope', 'nope')).toBe(false);
    expect(timestampToEpochMillis('nope')).toBeUndefined();
  });
});
