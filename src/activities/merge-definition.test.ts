import { definedActivities, mergeDefinition } from './merge-definition';
import { mergePaths } from './activities.repository';

describe('mergeDefinition', () => {
  it('merges language maps and extensions key by key and replaces other properties', () => {
    const merged = mergeDefinition(
      { name: { en: 'Old', fr: 'Vieux' }, type: 'http://t/a', extensions: { 'http://e/1': 1 } },
      { name: { en: 'New' }, type: 'http://t/b', extensions: { 'http://e/2': 2 } },
    );
    expect(merged).toEqual({ name: { en: 'New', fr: 'Vieux' }, type: 'http://t/b', extensions: { 'http://e/1': 1, 'http://e/2': 2 } });
  });

  it('returns the same object when nothing changes, so callers can skip the write', () => {
    const current = { name: { en: 'Same' }, type: 'http://t/a' };
    expect(mergeDefinition(current, { name: { en: 'Same' } })).toBe(current);
  });

  it('merges interaction component descriptions by component id', () => {
    const merged = mergeDefinition(
      { interactionType: 'choice', choices: [{ id: 'a', description: { en: 'A' } }] },
      { choices: [{ id: 'a', description: { de: 'A-de' } }, { id: 'b', description: { en: 'B' } }] },
    );
    expect(merged.choices).toEqual([{ id: 'a', description: { en: 'A', de: 'A-de' } }, { id: 'b', description: { en: 'B' } }]);
  });
});

describe('mergePaths', () => {
  it('sets one escaped path per language and extension key, so concurrent merges cannot collide', () => {
    expect(mergePaths({ name: { 'en-US': 'x' }, extensions: { 'http://example.com/ext.v1': { '$a': 1 } }, type: 'http://t' })).toEqual({
      'def.name.en-US': 'x',
      'def.extensions.http://example%2Ecom/ext%2Ev1': { '%24a': 1 },
      'def.type': 'http://t',
    });
  });
});

describe('definedActivities', () => {
  it('finds the object, context activities and sub-statement activities', () => {
    const found = definedActivities({
      object: { objectType: 'SubStatement', object: { id: 'http://a/sub' }, context: { contextActivities: { parent: { id: 'http://a/subparent' } } } },
      context: { contextActivities: { grouping: [{ id: 'http://a/g', definition: { name: { en: 'G' } } }] } },
    });
    expect(found.map((a) => a.id)).toEqual(['http://a/g', 'http://a/sub', 'http://a/subparent']);
    expect(found[0]!.definition).toEqual({ name: { en: 'G' } });
  });
});
