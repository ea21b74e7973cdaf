/**
 * RFC 5646 language tag well-formedness, as xAPI 1.0.3 Data §2.2 requires for language map keys
 * and `context.language` ("MUST at least validate that the sequence of token lengths ... matches
 * RFC 5646"). Checks the grammar and the two well-formedness rules a grammar cannot: no repeated
 * variant and no repeated extension singleton (RFC 5646 §2.2.5, §2.2.6). It does not check the
 * IANA registry, so `qq-QQ` passes: registry validation would need a data file kept up to date.
 */

// RFC 5646 §2.1 "irregular" and "regular" grandfathered tags; the regular ones do not all fit the
// langtag production (e.g. `zh-min-nan` does, `cel-gaulish` does not).
const GRANDFATHERED = new Set([
  'en-gb-oed', 'i-ami', 'i-bnn', 'i-default', 'i-enochian', 'i-hak', 'i-klingon', 'i-lux',
  'i-mingo', 'i-navajo', 'i-pwn', 'i-tao', 'i-tay', 'i-tsu', 'sgn-be-fr', 'sgn-be-nl', 'sgn-ch-de',
  'art-lojban', 'cel-gaulish', 'no-bok', 'no-nyn', 'zh-guoyu', 'zh-hakka', 'zh-min', 'zh-min-nan',
  'zh-xiang',
]);

const LANGTAG = new RegExp(
  '^' +
    '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})' + // language, with up to three extlangs
    '(?:-[a-z]{4})?' + // script
    '(?:-(?:[a-z]{2}|[0-9]{3}))?' + // region
    '(?<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)' +
    '(?<extensions>(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*)' +
    '(?:-x(?:-[a-z0-9]{1,8})+)?' + // private use
    '$',
);

const PRIVATE_USE_ONLY = /^x(?:-[a-z0-9]{1,8})+$/;

/** True when `tag` is a well-formed RFC 5646 language tag (case-insensitive). */
export function isLanguageTag(tag: string): boolean {
  const lower = tag.toLowerCase();
  if (GRANDFATHERED.has(lower) || PRIVATE_USE_ONLY.test(lower)) return true;
  const match = LANGTAG.exec(lower);
  if (!match) return false;
  const variants = (match.groups?.variants ?? '').split('-').filter(Boolean);
  if (new Set(variants).size !== variants.length) return false;
  const singletons = (match.groups?.extensions ?? '').split('-').filter((s) => s.length === 1);
  return new Set(singletons).size === singletons.length;
}
