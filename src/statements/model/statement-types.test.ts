import { mapProperties, objectTypeOf } from './statement-types';

describe('mapProperties', () => {
  it('transforms and drops the named properties and copies the rest in order', () => {
    const out = mapProperties({ a: 1, b: 2, c: 3 }, { a: (v) => (v as number) * 10, b: 'drop' });
    expect(Object.entries(out)).toEqual([
      ['a', 10],
      ['c', 3],
    ]);
  });

  it('keeps a "__proto__" property as data, never as the prototype', () => {
    const out = mapProperties(JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>, {});
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect((out as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('objectTypeOf', () => {
  it('supplies the default the specification gives when objectType is absent', () => {
    expect(objectTypeOf({ id: 'http://x.org' }, 'Activity')).toBe('Activity');
    expect(objectTypeOf({ mbox: 'mailto:a@x.org' }, 'Agent')).toBe('Agent');
    expect(objectTypeOf({ objectType: 'Group' }, 'Agent')).toBe('Group');
  });
});
