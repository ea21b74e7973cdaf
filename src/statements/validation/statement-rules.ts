import { checkActivityDefinition } from './activity-definition-rules';
import type { Issue, PathSegment } from './issue';

type JsonObject = Record<string, unknown>;

const VOIDED = 'http://adlnet.gov/expapi/verbs/voided';
const IFI_KEYS = ['mbox', 'mbox_sha1sum', 'openid', 'account'] as const;
const CONTEXT_ACTIVITY_KEYS = ['parent', 'grouping', 'category', 'other'] as const;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Rules that relate one part of a Statement to another, which JSON Schema cannot express
 * clearly. Runs on data that may have failed the schema, so every access is guarded and a rule
 * only speaks when the values it compares have the right types.
 */
export function checkCrossPropertyRules(statement: unknown): Issue[] {
  if (!isObject(statement)) return [];
  const issues: Issue[] = [];
  issues.push(...checkVoiding(statement));
  issues.push(...checkAuthority(statement.authority));
  issues.push(...checkStatementBody(statement, []));
  const object = statement.object;
  if (isObject(object) && object.objectType === 'SubStatement') {
    // Data §2.4.4.3: "A SubStatement MUST be validated as a Statement".
    issues.push(...checkStatementBody(object, ['object']));
  }
  return issues;
}

/** Rules shared by a Statement and a SubStatement; `at` is where the (sub-)statement sits. */
function checkStatementBody(statement: JsonObject, at: readonly PathSegment[]): Issue[] {
  const issues: Issue[] = [];
  issues.push(...checkContextAgainstObject(statement, at));
  const result = statement.result;
  if (isObject(result)) issues.push(...checkScore(result.score, [...at, 'result', 'score']));
  for (const activity of activitiesIn(statement, at)) {
    issues.push(...checkActivityDefinition(activity.value.definition, [...activity.at, 'definition']));
  }
  return issues;
}

// Data §2.3.2: a voiding Statement's object is a StatementRef to the voided Statement.
function checkVoiding(statement: JsonObject): Issue[] {
  const verb = statement.verb;
  if (!isObject(verb) || verb.id !== VOIDED) return [];
  const object = statement.object;
  if (!isObject(object) || object.objectType === 'StatementRef') return [];
  return [{ at: ['object'], message: `must be a StatementRef when the verb is ${VOIDED}` }];
}

// Data §2.4.6: revision and platform "MUST only be used if the Statement's Object is an Activity".
function checkContextAgainstObject(statement: JsonObject, at: readonly PathSegment[]): Issue[] {
  const context = statement.context;
  const object = statement.object;
  if (!isObject(context) || !isObject(object)) return [];
  if (object.objectType === undefined || object.objectType === 'Activity') return [];
  return (['revision', 'platform'] as const)
    .filter((key) => context[key] !== undefined)
    .map((key) => ({ at: [...at, 'context', key], message: 'is only allowed when the object is an Activity' }));
}

// Data §2.4.5.1: raw lies between min and max (inclusive); min is less than max.
function checkScore(score: unknown, at: readonly PathSegment[]): Issue[] {
  if (!isObject(score)) return [];
  const num = (key: string): number | undefined => (typeof score[key] === 'number' ? (score[key] as number) : undefined);
  const [raw, min, max] = [num('raw'), num('min'), num('max')];
  if (min !== undefined && max !== undefined && min >= max) {
    // Bounds that contradict each other cannot place raw; report only them.
    return [{ at: [...at, 'min'], message: `must be less than max (${max})` }];
  }
  const issues: Issue[] = [];
  if (raw !== undefined && min !== undefined && raw < min) {
    issues.push({ at: [...at, 'raw'], message: `must not be less than min (${min})` });
  }
  if (raw !== undefined && max !== undefined && raw > max) {
    issues.push({ at: [...at, 'raw'], message: `must not be more than max (${max})` });
  }
  return issues;
}

// Data §2.4.9: authority is an Agent, or in 3-legged OAuth an anonymous Group of exactly two
// Agents (the application and the user). The ADL suites reject identified authority Groups.
function checkAuthority(authority: unknown): Issue[] {
  if (!isObject(authority) || authority.objectType !== 'Group') return [];
  const issues: Issue[] = [];
  if (IFI_KEYS.some((key) => authority[key] !== undefined)) {
    issues.push({
      at: ['authority'],
      message: 'must be an anonymous Group (no mbox, mbox_sha1sum, openid or account) when it is a Group',
    });
  }
  const member = authority.member;
  if (Array.isArray(member) && member.length !== 2) {
    issues.push({
      at: ['authority', 'member'],
      message: 'must list exactly two Agents (the OAuth application and the user) in an authority Group',
    });
  }
  return issues;
}

interface Located {
  value: JsonObject;
  at: readonly PathSegment[];
}

/** The Activities of a (sub-)statement: its object, if an Activity, and its context Activities. */
function activitiesIn(statement: JsonObject, at: readonly PathSegment[]): Located[] {
  const found: Located[] = [];
  const object = statement.object;
  if (isObject(object) && (object.objectType === undefined || object.objectType === 'Activity')) {
    found.push({ value: object, at: [...at, 'object'] });
  }
  const context = statement.context;
  const contextActivities = isObject(context) ? context.contextActivities : undefined;
  if (!isObject(contextActivities)) return found;
  for (const key of CONTEXT_ACTIVITY_KEYS) {
    const value = contextActivities[key];
    const base = [...at, 'context', 'contextActivities', key];
    if (isObject(value)) found.push({ value, at: base });
    if (Array.isArray(value)) {
      value.forEach((item: unknown, i) => {
        if (isObject(item)) found.push({ value: item, at: [...base, i] });
      });
    }
  }
  return found;
}
