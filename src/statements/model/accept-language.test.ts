import fc from 'fast-check';
import { chooseLanguage, filterLanguageMap, parseAcceptLanguage } from './accept-language';

describe('parseAcceptLanguage', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['fr', ['fr']],
    ['da, en-gb;q=0.8, en;q=0.7', ['da', 'en-gb', 'en']],
    ['en;q=0.5, fr-CA, de;q=0.9', ['fr-CA', 'de', 'en']],
    ['en;q=0.5,fr;q=0.5,de;q=0.5', ['en', 'fr', 'de']],
    ['*;q=0.1, es', ['es', '*']],
    ['en-US ; q = 0.4 , nl', ['nl', 'en-US']],
  ])('reads %j as %j', (header, expected) => {
    expect(parseAcceptLanguage(header)).toEqual(expected);
  });

  it('drops ranges marked not acceptable with q=0', () => {
    expect(parseAcceptLanguage('en;q=0, fr')).toEqual(['fr']);
  });

  it('skips malformed entries instead of failing the request', () => {
    expect(parseAcceptLanguage('en;q=2, fr;q=abc, 123, de-DE;q=0.3, ,,')).toEqual(['de-DE']);
  });

  it('never throws and only returns well-formed ranges', () => {
    fc.assert(
      fc.property(fc.string(), (header) => {
        for (const range of parseAcceptLanguage(header)) expect(range).toMatch(/^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$/);
      }),
    );
  });
});

describe('chooseLanguage', () => {
  const map = { 'en-US': 'attended', 'en-GB': 'attended (GB)', fr: 'a assisté', 'de-CH': 'teilgenommen' };

  it.each([
    [['fr'], 'fr'],
    [['EN-gb'], 'en-GB'],
    [['de'], 'de-CH'],
    [['es', 'fr'], 'fr'],
    [['en-AU'], 'en-US'],
    [['*'], 'en-US'],
    [['ja'], 'en-US'],
    [[], 'en-US'],
  ])('for ranges %j picks %s', (ranges, expected) => {
    expect(chooseLanguage(map, ranges)).toBe(expected);
  });

  it('prefers an exact match to a more specific tag for the same range', () => {
    expect(chooseLanguage({ 'en-US': 'a', en: 'b' }, ['en'])).toBe('en');
  });

  it('prefers any later range that matches over cutting subtags from an earlier one', () => {
    expect(chooseLanguage({ de: 'x', fr: 'y' }, ['de-AT', 'fr'])).toBe('fr');
  });

  it('falls back to und, then to the first key, when nothing else matches', () => {
    expect(chooseLanguage({ ja: 'x', und: 'y' }, ['fr'])).toBe('und');
    expect(chooseLanguage({ ja: 'x', ko: 'y' }, ['fr'])).toBe('ja');
    expect(chooseLanguage({}, ['fr'])).toBeUndefined();
  });
});

describe('filterLanguageMap', () => {
  it('keeps exactly one entry of a non-empty map, taken from the map', () => {
    const tags = fc.constantFrom('en', 'en-US', 'fr', 'de-CH', 'und', 'ja', 'zh-Hant-TW');
    fc.assert(
      fc.property(fc.dictionary(tags, fc.string(), { minKeys: 1 }), fc.array(tags), (map, ranges) => {
        const filtered = filterLanguageMap(map, ranges);
        const entries = Object.entries(filtered);
        expect(entries).toHaveLength(1);
        const [tag, text] = entries[0] ?? [];
        expect(map[tag ?? '']).toBe(text);
      }),
    );
  });
});
