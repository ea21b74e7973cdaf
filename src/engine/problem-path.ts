/**
 * Paths of validation problems in the repository's style: `competencies[2].scale.levels[0]`,
 * with keys that are not identifiers quoted (`rollup.weights["https://x.org/c1"]`).
 */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `plain`: which keys need no quotes (JSON-LD paths also leave `@graph` and compact IRIs such as
 * `scd:name` bare).
 */
export function formatPath(segments: readonly PathSegment[], plain: RegExp = IDENTIFIER): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number' || /^\d+$/.test(s)) out += `[${s}]`;
    else if (plain.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
