import type { XapiLine } from '../../xapi/xapi-version';
import { agentIfiKey, matchKeysOf } from './agent-ifi';
import { type JsonObject, type Statement, isObject, objectOf, objectTypeOf, objectsIn, stringOf } from './statement-types';

export { agentIfiKey } from './agent-ifi';

/**
 * Values precomputed from a statement and stored beside it, so that every GET /statements filter
 * (xAPI 1.0.3 Communication §2.1.3) is an indexed equality match. Agent values are keys made by
 * {@link agentIfiKey}; the query side must build its keys with the same function.
 */
export interface StatementIndexFields {
  /** IFI key of the actor; absent when the actor is an Anonymous Group (it has no IFI). */
  actorIfi?: string;
  /** Verb IRI as sent; `''` only for malformed input without one. */
  verbId: string;
  /** Id of the statement's object when it is an Activity. */
  objectActivityId?: string;
  /** `context.registration`, lower-cased (RFC 4122 §3: UUIDs are case-insensitive on input). */
  registration?: string;
  /** Keys matched by `agent` when `related_agents` is false. */
  agents: string[];
  /** Keys matched by `agent` when `related_agents` is true (a superset of `agents`). */
  relatedAgents: string[];
  /** Activity ids matched by `activity` when `related_activities` is false. */
  activities: string[];
  /** Activity ids matched by `activity` when `related_activities` is true (a superset of `activities`). */
  relatedActivities: string[];
  /** Registrations matched by `registration`: the statement's own, if any. */
  registrations: string[];
  /** Target id (lower-cased) when the object is a StatementRef: voiding and StatementRef filtering. */
  statementRefId?: string;
}

/** Options for {@link indexFieldsOf}. */
export interface IndexFieldsOptions {
  /**
   * The xAPI line the statement was accepted under. Only on `'2.0'` are `context.contextAgents`
   * and `context.contextGroups` indexed (a 1.0.3 statement cannot carry them).
   */
  line: XapiLine;
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

function objectActivityId(statement: Statement): string | undefined {
  const object = objectOf(statement.object);
  return object && objectTypeOf(object, 'Activity') === 'Activity' ? stringOf(object.id) : undefined;
}

function subStatementOf(statement: Statement): JsonObject | undefined {
  const object = objectOf(statement.object);
  return object?.objectType === 'SubStatement' ? object : undefined;
}

/**
 * Communication §2.1.3 `agent`: "the Actor or Object of the Statement", where a Group matches
 * through its own IFI or any member's.
 */
function narrowAgents(statement: Statement): string[] {
  const object = objectOf(statement.object);
  const objectIsActor = object !== undefined && ['Agent', 'Group'].includes(stringOf(object.objectType) ?? '');
  return [...matchKeysOf(statement.actor), ...(objectIsActor ? matchKeysOf(object) : [])];
}

/**
 * Communication §2.1.3 `related_agents`: "the Actor, Object, Authority, Instructor, Team, or any of
 * these properties in a contained SubStatement", matched as for `agent` (so members count).
 * xAPI 2.0 adds `context.contextAgents[].agent` and `context.contextGroups[].group`.
 */
function broadAgents(statement: Statement, line: XapiLine): string[] {
  const context = objectOf(statement.context);
  const keys = [
    ...narrowAgents(statement),
    ...matchKeysOf(statement.authority),
    ...matchKeysOf(context?.instructor),
    ...matchKeysOf(context?.team),
  ];
  if (line === '2.0') {
    for (const entry of objectsIn(context?.contextAgents)) keys.push(...matchKeysOf(entry.agent));
    for (const entry of objectsIn(context?.contextGroups)) keys.push(...matchKeysOf(entry.group));
  }
  const sub = subStatementOf(statement);
  // A SubStatement has no authority (Data §2.4.4.3) and cannot nest, so one level is enough.
  if (sub) keys.push(...broadAgents({ ...sub, authority: undefined, object: nonNested(sub.object) }, line));
  return keys;
}

function nonNested(object: unknown): unknown {
  return isObject(object) && object.objectType === 'SubStatement' ? undefined : object;
}

function contextActivityIds(statement: Statement): (string | undefined)[] {
  const contextActivities = objectOf(objectOf(statement.context)?.contextActivities);
  if (!contextActivities) return [];
  // Data §2.4.6.2: each value is an Activity or an array of them; every kind counts.
  return Object.values(contextActivities).flatMap((value) =>
    (Array.isArray(value) ? value : [value]).map((activity) => stringOf(objectOf(activity)?.id)),
  );
}

/**
 * Communication §2.1.3 `related_activities`: "the Object, any of the context Activities, or any of
 * those properties in a contained SubStatement".
 */
function broadActivities(statement: Statement): (string | undefined)[] {
  const ids = [objectActivityId(statement), ...contextActivityIds(statement)];
  const sub = subStatementOf(statement);
  if (sub) ids.push(objectActivityId(sub), ...contextActivityIds(sub));
  return ids;
}

/**
 * The indexed query fields of a statement.
 *
 * Rules (xAPI 1.0.3 Communication §2.1.3):
 * - `activity` matches only when the statement's Object is an Activity with that id; a
 *   SubStatement's activities count only under `related_activities`.
 * - `registration` matches the statement's own `context.registration`; a SubStatement's context
 *   is a description of another experience, not this one, so its registration is not indexed.
 * - StatementRef targets are not expanded here (§2.1.3 "Filter Conditions for StatementRefs"
 *   needs the target statement); `statementRefId` lets the query layer follow them.
 *   `context.statement` does not affect filtering (same section, note) and is not indexed.
 */
export function indexFieldsOf(statement: Statement, opts: IndexFieldsOptions): StatementIndexFields {
  const context = objectOf(statement.context);
  const registration = stringOf(context?.registration)?.toLowerCase();
  const objectId = objectActivityId(statement);
  const object = objectOf(statement.object);
  const refId = object?.objectType === 'StatementRef' ? stringOf(object.id)?.toLowerCase() : undefined;
  const actorIfi = agentIfiKey(statement.actor);

  const fields: StatementIndexFields = {
    verbId: stringOf(objectOf(statement.verb)?.id) ?? '',
    agents: unique(narrowAgents(statement)),
    relatedAgents: unique(broadAgents(statement, opts.line)),
    activities: unique([objectId]),
    relatedActivities: unique(broadActivities(statement)),
    registrations: unique([registration]),
  };
  if (actorIfi !== undefined) fields.actorIfi = actorIfi;
  if (objectId !== undefined) fields.objectActivityId = objectId;
  if (registration !== undefined) fields.registration = registration;
  if (refId !== undefined) fields.statementRefId = refId;
  return fields;
}
