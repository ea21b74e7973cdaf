/**
 * Plain data types for statements as they travel through the statement utilities.
 *
 * Statements arrive already validated by the JSON Schema validator, so these types stay loose
 * (`Record<string, unknown>`): the utilities read what they need through the guards below and
 * never crash on a shape they did not expect. The named aliases document intent at call sites.
 */

/** A JSON object whose values have not been narrowed yet. */
export type JsonObject = Record<string, unknown>;

/** An xAPI statement (or sub-statement) as parsed from JSON. */
export type Statement = JsonObject;

/** An Agent or Group object (xAPI 1.0.3 Data §2.4.2). */
export type Actor = JsonObject;

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value when it is a string, otherwise undefined. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value when it is an object, otherwise undefined. */
export function objectOf(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

/** The objects in an array (non-objects dropped); an empty list for anything else. */
export function objectsIn(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/**
 * An object's `objectType`, with the defaults the specification gives when it is absent.
 * xAPI 1.0.3 Data §2.4.4: a statement object without objectType is an Activity;
 * §2.4.2.1: an Agent's objectType is optional (it is required for Groups, §2.4.2.2).
 */
export function objectTypeOf(value: JsonObject, whenAbsent: 'Activity' | 'Agent'): string {
  return stringOf(value.objectType) ?? whenAbsent;
}

/** How {@link mapProperties} transforms one property's value. */
export type PropertyRule = (value: unknown) => unknown;

/**
 * A copy of an object with the listed properties transformed (or dropped, for `'drop'`); other
 * properties are copied as they are, in their original order. fromEntries defines own properties,
 * so a `__proto__` key stays data.
 */
export function mapProperties(value: JsonObject, rules: Record<string, PropertyRule | 'drop'>): JsonObject {
  const entries: [string, unknown][] = [];
  for (const [key, item] of Object.entries(value)) {
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (rule === 'drop') continue;
    entries.push([key, rule ? rule(item) : item]);
  }
  return Object.fromEntries(entries);
}
