import fc from 'fast-check';
import { decodeKey, decodeKeys, encodeKey, encodeKeys } from './key-codec';

// Keys built mostly from the characters the codec cares about, so collisions would show up.
const trickyKey = fc.oneof(
  fc.string({ unit: fc.constantFrom('.', '$', '%', '\0', '2', 'E', '4', '5', '0', 'a'), maxLength: 8 }),
  fc.string(),
  fc.webUrl(),
);

const jsonWithTrickyKeys = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(trickyKey, tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
}));

function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [k, ...allKeys(v)]);
  }
  return [];
}

describe('key codec', () => {
  it.each([
    ['http://example.com/ext', 'http://example%2Ecom/ext'],
    ['$set', '%24set'],
    ['price$', 'price$'],
    ['100%', '100%25'],
    ['a\0b', 'a%00b'],
    ['%2E', '%252E'],
    ['plain', 'plain'],
    ['', ''],
  ])('encodes %j as %j', (key, encoded) => {
    expect(encodeKey(key)).toBe(encoded);
    expect(decodeKey(encoded)).toBe(key);
  });

  it('round-trips any JSON, whatever its keys contain', () => {
    fc.assert(
      fc.property(jsonWithTrickyKeys.value, (value) => {
        expect(decodeKeys(encodeKeys(value))).toStrictEqual(value);
      }),
    );
  });

  it('never produces a key MongoDB would refuse or misread', () => {
    fc.assert(
      fc.property(jsonWithTrickyKeys.value, (value) => {
        for (const key of allKeys(encodeKeys(value))) {
          expect(key.includes('.')).toBe(false);
          expect(key.includes('\0')).toBe(false);
          expect(key.startsWith('$')).toBe(false);
        }
      }),
    );
  });

  it('never maps two different keys to the same encoding', () => {
    fc.assert(
      fc.property(trickyKey, trickyKey, (a, b) => {
        fc.pre(a !== b);
        expect(encodeKey(a)).not.toBe(encodeKey(b));
      }),
    );
  });

  it('rewrites extension keys deep inside a statement and leaves their values alone', () => {
    const statement = {
      actor: { mbox: 'mailto:a@example.com' },
      result: { extensions: { 'http://example.com/score.v2': { $weird: 'x.y', list: [{ 'a.b': 1 }] } } },
    };
    expect(encodeKeys(statement)).toEqual({
      actor: { mbox: 'mailto:a@example.com' },
      result: { extensions: { 'http://example%2Ecom/score%2Ev2': { '%24weird': 'x.y', list: [{ 'a%2Eb': 1 }] } } },
    });
  });

  it('returns the very same objects where no key needs escaping, so common statements cost no copies', () => {
    const actor = { mbox: 'mailto:a@example.com', name: 'A' };
    const statement = { actor, verb: { id: 'http://example.com/v' }, context: { extensions: { 'http://x.org/e': 1 } } };
    const encoded = encodeKeys(statement);
    expect(encoded).not.toBe(statement);
    expect(encoded.actor).toBe(actor);
    expect(encoded.verb).toBe(statement.verb);
    const clean = { a: [1, { b: 2 }] };
    expect(encodeKeys(clean)).toBe(clean);
  });

  it('keeps a "__proto__" key as ordinary data', () => {
    const value: unknown = JSON.parse('{"__proto__": {"x.y": 1}}');
    const encoded = encodeKeys(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(encoded)).toBe(Object.prototype);
    expect(Object.keys(encoded)).toEqual(['__proto__']);
    expect(decodeKeys(encoded)).toStrictEqual(value);
  });

  it('passes non-plain objects such as dates through untouched', () => {
    const stored = new Date('2024-05-01T00:00:00Z');
    const doc = { 'a.b': stored };
    expect((encodeKeys(doc) as Record<string, unknown>)['a%2Eb']).toBe(stored);
  });
});
