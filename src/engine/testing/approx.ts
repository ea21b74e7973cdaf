/**
 * Structural comparison with a numeric tolerance: the paths where two JSON-like values differ.
 * Tests assert the list is empty, so a failure names every difference.
 */
export function differences(a: unknown, b: unknown, relTol = 1e-9, path = '$'): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return [];
    const scale = Math.max(1, Math.abs(a), Math.abs(b));
    return Math.abs(a - b) <= relTol * scale ? [] : [`${path}: ${a} ≠ ${b}`];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${path}: length ${a.length} ≠ ${b.length}`];
    return a.flatMap((x, i) => differences(x, b[i], relTol, `${path}[${i}]`));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    return [...keys].flatMap((k) => differences(ra[k], rb[k], relTol, `${path}.${k}`));
  }
  return Object.is(a, b) ? [] : [`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}
