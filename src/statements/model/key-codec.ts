/**
 * Reversible escaping of object keys for MongoDB.
 *
 * MongoDB reads `.` in a field name as a path separator and a leading `$` as an operator, and BSON
 * field names cannot contain NUL. xAPI extension keys are IRIs (xAPI 1.0.3 Data §4.1: "The keys of
 * an extensions map MUST be IRIs"), so nearly every one contains `.`, and extension values may be
 * any JSON at all, with any keys.
 *
 * Scheme: percent-style escapes with `%` as the escape character.
 *   `%` → `%25`, `.` → `%2E`, NUL → `%00`, and `$` → `%24` only at the start of a key.
 * Every `%` in an encoded key starts one of these four codes, so decoding is unambiguous and
 * `decodeKey(encodeKey(k)) === k` for every string (hence encoding is injective). Encoded keys never
 * contain `.` or NUL and never start with `$`. The escapes stay readable in the database
 * (`http://example%2Ecom/ext`), and a query on an extension uses `encodeKey` for the same path.
 *
 * Cost: one regular-expression test per key; keys and subtrees that need no change are returned
 * as the same references (no copy), so a typical statement allocates only along the paths to its
 * extension maps. Treat inputs and outputs as immutable.
 */

const NEEDS_ENCODING = /[.%\0]|^\$/;
const ENCODABLE = /[.%\0]|^\$/g;
const ENCODED = /%(?:2E|25|24|00)/g;

const ESCAPE: Record<string, string> = { '.': '%2E', '%': '%25', $: '%24', '\0': '%00' };
const UNESCAPE: Record<string, string> = { '%2E': '.', '%25': '%', '%24': '$', '%00': '\0' };

/** One key, escaped so MongoDB accepts it as a field name. */
export function encodeKey(key: string): string {
  return NEEDS_ENCODING.test(key) ? key.replace(ENCODABLE, (c) => ESCAPE[c] ?? c) : key;
}

/** One key back to its original form. */
export function decodeKey(key: string): string {
  return key.includes('%') ? key.replace(ENCODED, (code) => UNESCAPE[code] ?? code) : key;
}

// Only plain JSON objects are rewritten; Dates, ObjectIds, Buffers and the like pass through.
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function mapKeysDeep(value: unknown, mapKey: (key: string) => string): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const mapped = mapKeysDeep(item, mapKey);
      if (out === undefined && mapped !== item) out = value.slice(0, i);
      out?.push(mapped);
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, item]): [string, unknown] => {
    const mappedKey = mapKey(key);
    const mapped = mapKeysDeep(item, mapKey);
    if (mappedKey !== key || mapped !== item) changed = true;
    return [mappedKey, mapped];
  });
  // fromEntries defines own properties, so a `__proto__` key stays an ordinary key.
  return changed ? Object.fromEntries(entries) : value;
}

/**
 * Deep copy-on-write of a JSON value with every object key escaped by {@link encodeKey}.
 * The structure is unchanged; only key spellings differ.
 */
export function encodeKeys<T>(value: T): T {
  return mapKeysDeep(value, encodeKey) as T;
}

/** Inverse of {@link encodeKeys}. */
export function decodeKeys<T>(value: T): T {
  return mapKeysDeep(value, decodeKey) as T;
}
