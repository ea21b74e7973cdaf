import { normalizeMbox } from './agent-ifi';
import { type JsonObject, type PropertyRule, isObject, mapProperties, objectTypeOf } from './statement-types';
import { sameInstant, toUtcIsoMillis } from './timestamps';

/**
 * Statement comparison for "same id, equivalent content → success; different → 409 Conflict"
 * (xAPI 1.0.3 Communication §2.1.1 and §2.1.2) and for signed-statement checks (Data §2.6).
 *
 * xAPI 1.0.3 Data §2.3.1 (Statement Comparison Requirements): differences that could have been
 * caused by the exceptions to Statement Immutability MUST be ignored; any other difference MUST NOT.
 * Both statements are reduced to a normal form in which those differences vanish, then compared as
 * JSON with key order ignored (Data §2.2: properties may come in any order).
 *
 * Ignored (each cites the exception of Data §2.3.1 it follows):
 * - `id`, `authority`, `stored`, `version` of the statement: assigned during LRS processing
 *   (§2.3.1 b1). The caller has already matched the ids.
 * - `timestamp` when only one side has it (the LRS fills it in, §2.3.1 b1); when both have it,
 *   only the instant counts, to the millisecond (§2.3.1 b4, Data §4.5: another time zone is fine;
 *   the LRS MAY truncate to milliseconds). Sub-statement timestamps are compared the same way but
 *   must be present on both sides or neither: the LRS never assigns them.
 * - Activity `definition`s, anywhere (§2.3.1 b2: not part of the Statement itself).
 * - Verb `display` (§2.3.1 b3).
 * - The order of Group `member` lists (§2.3.1 b5, §2.4.2.2: an unordered list). Compared as multisets.
 * - Case of the `mailto:` scheme and of the email domain in `mbox` (§2.3.1 b7, §2.4.2.3).
 * - Case of UUIDs (registration, StatementRef ids): RFC 4122 §3 makes them case-insensitive on input.
 * - Case of language tags (`context.language`, keys of attachment language maps): RFC 5646 §2.1.1.
 * - A single context Activity versus an array holding just it (Data §2.4.6.2: the LRS MUST return
 *   arrays, so the stored copy may be the array form).
 * - A missing `objectType` where the specification supplies the default: `Activity` for a statement
 *   object and context activities (§2.4.4), `Agent` for agents (§2.4.2.1).
 * - `result.duration` digits beyond 0.01 s (Data §4.6: SHOULD* NOT be included in comparison); the
 *   rest of the duration is compared as a string (§2.3.1 b8).
 *
 * Not ignored: everything else, including the order of `attachments` (Data §2.4: "Ordered array of
 * Attachment Objects") and of context activity arrays (the specification does not call them
 * unordered), extension contents, agent names, and any difference in IRIs (compared as plain
 * strings, Data §3.1 RFC 3987 §5.3.1, the same rule the query filters use).
 */
export function statementsEquivalent(a: unknown, b: unknown): boolean {
  if (!isObject(a) || !isObject(b)) return canonicalJson(a) === canonicalJson(b);
  if (!topLevelTimestampsAgree(a.timestamp, b.timestamp)) return false;
  return canonicalJson(normalizeStatement(a, false)) === canonicalJson(normalizeStatement(b, false));
}

function topLevelTimestampsAgree(ta: unknown, tb: unknown): boolean {
  if (ta === undefined || tb === undefined) return true;
  if (typeof ta === 'string' && typeof tb === 'string') return ta === tb || sameInstant(ta, tb);
  return canonicalJson(ta) === canonicalJson(tb);
}

/**
 * JSON text with object keys sorted at every level, so two values with the same content in a
 * different key order give the same string. Properties whose value is undefined are skipped, as
 * JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (isObject(value)) {
    const parts = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function withDefaultType(value: JsonObject, type: 'Activity' | 'Agent'): JsonObject {
  return { ...value, objectType: objectTypeOf(value, type) };
}

const lowerCase: PropertyRule = (v) => (typeof v === 'string' ? v.toLowerCase() : v);

const languageMapKeys: PropertyRule = (v) =>
  isObject(v) ? Object.fromEntries(Object.entries(v).map(([tag, text]) => [tag.toLowerCase(), text])) : v;

const timestamp: PropertyRule = (v) => (typeof v === 'string' ? (toUtcIsoMillis(v) ?? v) : v);

const duration: PropertyRule = (v) => (typeof v === 'string' ? v.replace(/([.,]\d{2})\d+S$/, '$1S') : v);

const actor: PropertyRule = (v) => {
  if (!isObject(v)) return v;
  return mapProperties(withDefaultType(v, 'Agent'), {
    mbox: (m) => (typeof m === 'string' ? normalizeMbox(m) : m),
    member: (members) => (Array.isArray(members) ? multiset(members.map(actor)) : members),
  });
};

function multiset(items: unknown[]): unknown[] {
  return items
    .map((item) => ({ item, key: canonicalJson(item) }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    .map(({ item }) => item);
}

const verb: PropertyRule = (v) => (isObject(v) ? mapProperties(v, { display: 'drop' }) : v);

const activity: PropertyRule = (v) => (isObject(v) ? mapProperties(withDefaultType(v, 'Activity'), { definition: 'drop' }) : v);

const statementRef: PropertyRule = (v) => (isObject(v) ? mapProperties(v, { id: lowerCase }) : v);

function statementObject(sub: boolean): PropertyRule {
  return (v) => {
    if (!isObject(v)) return v;
    switch (objectTypeOf(v, 'Activity')) {
      case 'Activity':
        return activity(v);
      case 'Agent':
      case 'Group':
        return actor(v);
      case 'StatementRef':
        return statementRef(v);
      case 'SubStatement':
        // A SubStatement cannot nest another (Data §2.4.4.3); if one does, compare it verbatim.
        return sub ? v : normalizeStatement(v, true);
      default:
        return v;
    }
  };
}

const contextActivities: PropertyRule = (v) => {
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([kind, list]) => [kind, (Array.isArray(list) ? list : [list]).map(activity)]),
  );
};

const contextAgents: PropertyRule = (v) =>
  Array.isArray(v) ? v.map((entry) => (isObject(entry) ? mapProperties(entry, { agent: actor }) : entry)) : v;

const contextGroups: PropertyRule = (v) =>
  Array.isArray(v) ? v.map((entry) => (isObject(entry) ? mapProperties(entry, { group: actor }) : entry)) : v;

const context: PropertyRule = (v) =>
  isObject(v)
    ? mapProperties(v, {
        registration: lowerCase,
        instructor: actor,
        team: actor,
        contextActivities,
        statement: statementRef,
        language: lowerCase,
        contextAgents,
        contextGroups,
      })
    : v;

const result: PropertyRule = (v) => (isObject(v) ? mapProperties(v, { duration }) : v);

const attachments: PropertyRule = (v) =>
  Array.isArray(v)
    ? v.map((a) => (isObject(a) ? mapProperties(a, { display: languageMapKeys, description: languageMapKeys }) : a))
    : v;

// Properties the LRS assigns while processing a statement (Data §2.3.1 b1); sub-statements have
// none of them (Data §2.4.4.3) except a timestamp the LRS never fills in, which is compared.
const ASSIGNED_BY_LRS: Record<string, 'drop'> = {
  id: 'drop',
  authority: 'drop',
  stored: 'drop',
  version: 'drop',
  timestamp: 'drop',
};

function normalizeStatement(statement: JsonObject, sub: boolean): JsonObject {
  return mapProperties(statement, {
    actor,
    verb,
    object: statementObject(sub),
    result,
    context,
    attachments,
    timestamp,
    ...(sub ? {} : ASSIGNED_BY_LRS),
  });
}
