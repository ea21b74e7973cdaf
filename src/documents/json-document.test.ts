import fc from 'fast-check';
import { isJsonObject, isJsonType, mergeTopLevel, parseJsonContent } from './json-document';

// Documents arrive as JSON text, so generate what JSON can carry (fc.jsonValue may yield -0,
// which JSON.stringify writes as 0).
const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 })
  .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);

describe('isJsonType', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    [' application/json ;charset=UTF-8', true],
    ['application/json-patch+json', false],
    ['text/json', false],
    ['application/octet-stream', false],
    ['', false],
  ])('%j is JSON: %s', (type, expected) => {
    expect(isJsonType(type)).toBe(expected);
  });
});

describe('parseJsonContent', () => {
  it('parses UTF-8 JSON, with or without a byte order mark, and refuses the rest', () => {
    expect(parseJsonContent(Buffer.from('{"é":1}'))).toEqual({ value: { 'é': 1 } });
    expect(parseJsonContent(Buffer.from('\uFEFF[1]'))).toEqual({ value: [1] });
    expect(parseJsonContent(Buffer.from('"str"'))).toEqual({ value: 'str' });
    expect(parseJsonContent(Buffer.from('{"a":1}['))).toBeUndefined();
    expect(parseJsonContent(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('mergeTopLevel (Communication §2.2.s7)', () => {
  it('gives the example of the specification', () => {
    expect(mergeTopLevel({ x: 'foo', y: 'bar' }, { x: 'bash', z: 'faz' })).toEqual({ x: 'bash', y: 'bar', z: 'faz' });
  });

  it('takes every posted property whole and keeps every other stored property', () => {
    fc.assert(fc.property(jsonObject, jsonObject, (existing, posted) => {
      const merged = mergeTopLevel(existing, posted);
      expect(new Set(Object.keys(merged))).toEqual(new Set([...Object.keys(existing), ...Object.keys(posted)]));
      for (const [k, v] of Object.entries(posted)) expect(merged[k]).toEqual(v);
      for (const [k, v] of Object.entries(existing)) if (!Object.hasOwn(posted, k)) expect(merged[k]).toEqual(v);
    }));
  });

  it('is idempotent: posting the same object twice changes nothing more', () => {
    fc.assert(fc.property(jsonObject, jsonObject, (existing, posted) => {
      const once = mergeTopLevel(existing, posted);
      expect(JSON.stringify(mergeTopLevel(once, posted))).toBe(JSON.stringify(once));
    }));
  });

  it('survives serialisation unchanged, so what GET returns is what was merged', () => {
    fc.assert(fc.property(jsonObject, jsonObject, (existing, posted) => {
      const merged = mergeTopLevel(existing, posted);
      const parsed = parseJsonContent(Buffer.from(JSON.stringify(merged)));
      expect(isJsonObject(parsed?.value)).toBe(true);
      expect(parsed?.value).toEqual(merged);
    }));
  });

  it('treats a posted __proto__ key as data, never as a prototype', () => {
    const posted = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const merged = mergeTopLevel({ b: 2 }, posted);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(merged))).toEqual(JSON.parse('{"b":2,"__proto__":{"polluted":true},"a":1}'));
  });
});
