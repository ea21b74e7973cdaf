import fc from 'fast-check';
import { etagHeader, etagOf, parseEntityTags, preconditionsHold, unconditionalPut, type Preconditions } from './concurrency';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('etagOf', () => {
  it('is the lower-case hex SHA-1 of the bytes, quoted in the header', () => {
    expect(etagOf(Buffer.from('abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(etagHeader(etagOf(Buffer.alloc(0)))).toBe('"da39a3ee5e6b4b0d3255bfef95601890afd80709"');
  });
});

describe('parseEntityTags', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    ['*', '*'],
    [` * `, '*'],
    [`"${A}"`, [A]],
    [`W/"${A}"`, [A]],
    [A.toUpperCase(), [A]],
    [`"${A}", W/"${B}"`, [A, B]],
    [`"${A}",${B}`, [A, B]],
    ['1234', ['1234']],
  ])('reads %j as %j', (header, expected) => {
    expect(parseEntityTags(header)).toEqual(expected);
  });

  it('reads back every tag the LRS issues', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const tag = etagOf(bytes);
      expect(parseEntityTags(etagHeader(tag))).toEqual([tag]);
    }));
  });
});

describe('preconditionsHold', () => {
  const cases: Array<[string, string | undefined, Preconditions, boolean]> = [
    ['no headers, document present', A, {}, true],
    ['no headers, nothing stored', undefined, {}, true],
    ['If-Match with the current tag', A, { ifMatch: [A] }, true],
    ['If-Match listing the current tag among others', A, { ifMatch: [B, A] }, true],
    ['If-Match with a stale tag', A, { ifMatch: [B] }, false],
    ['If-Match when nothing is stored', undefined, { ifMatch: [A] }, false],
    ['If-Match: * with a document', A, { ifMatch: '*' }, true],
    ['If-Match: * when nothing is stored', undefined, { ifMatch: '*' }, false],
    ['If-None-Match: * when nothing is stored', undefined, { ifNoneMatch: '*' }, true],
    ['If-None-Match: * with a document', A, { ifNoneMatch: '*' }, false],
    ['If-None-Match listing the current tag', A, { ifNoneMatch: [A] }, false],
    ['If-None-Match listing another tag', A, { ifNoneMatch: [B] }, true],
    ['both, If-Match holding and If-None-Match failing', A, { ifMatch: [A], ifNoneMatch: [A] }, false],
    ['both holding', A, { ifMatch: [A], ifNoneMatch: [B] }, true],
  ];
  it.each(cases)('%s: %s', (_name, current, p, expected) => {
    expect(preconditionsHold(current, p)).toBe(expected);
  });
});

describe('unconditionalPut', () => {
  it('lets 1.0.3 State overwrite, makes 2.0 create-only, and refuses 1.0.3 profiles', () => {
    expect(unconditionalPut('state', '1.0')).toBe('overwrite');
    expect(unconditionalPut('activityProfile', '1.0')).toBe('refuse');
    expect(unconditionalPut('agentProfile', '1.0')).toBe('refuse');
    for (const kind of ['state', 'activityProfile', 'agentProfile'] as const) expect(unconditionalPut(kind, '2.0')).toBe('create-only');
  });
});
