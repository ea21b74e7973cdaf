import { isObject, type JsonObject, type Statement } from '../statements/model/statement-types';

const LANGUAGE_MAPS = ['name', 'description'] as const;
const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'] as const;

/**
 * Merges an incoming Activity Definition into the canonical one (xAPI 1.0.3 Data §2.4.4.1,
 * Communication §2.5): language maps and extensions merge key by key (the newer text wins for a
 * language it repeats, languages it lacks are kept); every other property sent replaces the old
 * one; interaction components merge by component id, their descriptions like language maps.
 * Returns the same object when nothing changes, so callers can skip the write.
 */
export function mergeDefinition(current: JsonObject | undefined, incoming: JsonObject): JsonObject {
  const base = current ?? {};
  let changed = current === undefined;
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(incoming)) {
    let next: unknown = value;
    if ((LANGUAGE_MAPS as readonly string[]).includes(key) || key === 'extensions') {
      next = isObject(value) && isObject(base[key]) ? { ...base[key], ...value } : value;
    } else if ((COMPONENT_LISTS as readonly string[]).includes(key) && Array.isArray(value) && Array.isArray(base[key])) {
      next = mergeComponents(base[key] as unknown[], value);
    }
    if (JSON.stringify(next) !== JSON.stringify(base[key])) {
      out[key] = next;
      changed = true;
    }
  }
  return changed ? out : base;
}

function mergeComponents(old: unknown[], incoming: unknown[]): unknown[] {
  const byId = new Map<string, JsonObject>();
  for (const c of old) if (isObject(c) && typeof c.id === 'string') byId.set(c.id, c);
  return incoming.map((c) => {
    if (!isObject(c) || typeof c.id !== 'string') return c;
    const prev = byId.get(c.id);
    if (!prev || !isObject(prev.description) || !isObject(c.description)) return c;
    return { ...c, description: { ...prev.description, ...c.description } };
  });
}

/** Every Activity with a definition in a statement: object, context activities, sub-statement. */
export function definedActivities(s: Statement): Array<{ id: string; definition?: JsonObject }> {
  const out: Array<{ id: string; definition?: JsonObject }> = [];
  const visit = (stmt: Statement) => {
    const add = (a: unknown) => {
      if (!isObject(a) || typeof a.id !== 'string') return;
      if (a.objectType !== undefined && a.objectType !== 'Activity') return;
      out.push({ id: a.id, definition: isObject(a.definition) ? a.definition : undefined });
    };
    add(stmt.object);
    const ca = isObject(stmt.context) && isObject(stmt.context.contextActivities) ? stmt.context.contextActivities : undefined;
    if (ca) for (const list of Object.values(ca)) (Array.isArray(list) ? list : [list]).forEach(add);
  };
  visit(s);
  if (isObject(s.object) && s.object.objectType === 'SubStatement') visit(s.object);
  return out;
}
