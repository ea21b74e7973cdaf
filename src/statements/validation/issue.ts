/** One step into a JSON value: an object key or an array index. */
export type PathSegment = string | number;

/**
 * A problem located by path segments; turned into a `ValidationProblem` (string path) only at the
 * end, so that paths can be compared, prefixed and nested without re-parsing strings.
 */
export interface Issue {
  at: readonly PathSegment[];
  message: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `['context', 'contextActivities', 'parent', 0]` → `context.contextActivities.parent[0]`.
 * Keys that are not identifiers (language tags, extension IRIs) are bracketed and quoted:
 * `verb.display["en-US"]`. The root is the empty string.
 */
export function formatPath(at: readonly PathSegment[]): string {
  let out = '';
  for (const segment of at) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Joins a caller-supplied prefix such as `statements[3]` with a formatted path. */
export function joinPath(prefix: string | undefined, path: string): string {
  if (!prefix) return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** True when `at` is `root` or lies inside it. */
export function isWithin(at: readonly PathSegment[], root: readonly PathSegment[]): boolean {
  return root.length <= at.length && root.every((segment, i) => at[i] === segment);
}

/** Orders paths segment by segment; array indexes numerically, keys alphabetically. */
export function comparePaths(a: readonly PathSegment[], b: readonly PathSegment[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as PathSegment;
    const y = b[i] as PathSegment;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
