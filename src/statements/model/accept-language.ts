/**
 * Language selection for `format=canonical`.
 *
 * xAPI 1.0.3 Communication §2.1.3 (Language Filtering Requirements for Canonical Format
 * Statements): the LRS MUST return only one language in each language map of an Activity, SHOULD*
 * do the same for Verb displays, and MUST choose it by applying the `Accept-Language` header as
 * RFC 2616 §14.4 describes, to each language map individually.
 */

const LANGUAGE_RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;
const QVALUE = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

/**
 * The language ranges of an `Accept-Language` header, most preferred first.
 *
 * RFC 2616 §14.4: each range carries a quality `q` (default 1); higher is preferred, equal values
 * keep header order. Ranges with `q=0` ("not acceptable") are dropped, as are malformed entries, so
 * a broken header degrades to the defaults instead of failing the request. Ranges are returned as
 * sent (matching is case-insensitive, RFC 5646 §2.1.1).
 */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (header === undefined) return [];
  const ranges: { range: string; q: number; index: number }[] = [];
  header.split(',').forEach((part, index) => {
    const [rawRange, ...params] = part.split(';').map((s) => s.trim());
    if (rawRange === undefined || !LANGUAGE_RANGE.test(rawRange)) return;
    let q = 1;
    for (const param of params) {
      const m = QVALUE.exec(param.replace(/\s+/g, ''));
      if (!m) return;
      q = Number(m[1]);
    }
    if (q > 0) ranges.push({ range: rawRange, q, index });
  });
  return ranges.sort((a, b) => b.q - a.q || a.index - b.index).map((r) => r.range);
}

/**
 * Tags tried, in order, when no range in the request matches: US English, any English, the
 * "undetermined" tag. If none of these is present either, the map's first key is used, so a
 * non-empty map always yields exactly one entry.
 */
export const FALLBACK_LANGUAGES: readonly string[] = ['en-US', 'en', 'und'];

function findKey(keys: string[], range: string): string | undefined {
  if (range === '*') return keys[0];
  const wanted = range.toLowerCase();
  // RFC 2616 §14.4: a range matches a tag equal to it or starting with it followed by '-'.
  return keys.find((k) => k.toLowerCase() === wanted) ?? keys.find((k) => k.toLowerCase().startsWith(`${wanted}-`));
}

/**
 * The key of a language map to keep, given the preferred ranges.
 *
 * Order: each range in preference order (exact tag, then a more specific tag); then each range with
 * subtags cut from the end (RFC 4647 §3.4 lookup: `de-CH` falls back to `de`), because a reader
 * asking for `en-GB` is better served by `en-US` text than by an arbitrary language; then
 * {@link FALLBACK_LANGUAGES}; then the first key.
 */
export function chooseLanguage(map: Readonly<Record<string, unknown>>, ranges: readonly string[]): string | undefined {
  const keys = Object.keys(map);
  if (keys.length === 0) return undefined;
  for (const range of ranges) {
    const key = findKey(keys, range);
    if (key !== undefined) return key;
  }
  for (const range of ranges) {
    const subtags = range.split('-');
    for (let n = subtags.length - 1; n >= 1; n--) {
      const key = findKey(keys, subtags.slice(0, n).join('-'));
      if (key !== undefined) return key;
    }
  }
  for (const tag of FALLBACK_LANGUAGES) {
    const key = findKey(keys, tag);
    if (key !== undefined) return key;
  }
  return keys[0];
}

/** The language map reduced to the single entry {@link chooseLanguage} picks (empty stays empty). */
export function filterLanguageMap<T>(map: Readonly<Record<string, T>>, ranges: readonly string[]): Record<string, T> {
  const key = chooseLanguage(map, ranges);
  return key === undefined ? {} : Object.fromEntries([[key, map[key] as T]]);
}
