import { randomUUID } from 'node:crypto';
import { DEFAULT_STATEMENT_VERSION, type XapiLine } from '../xapi/xapi-version';
import { toUtcIsoMillis } from './model/timestamps';
import { isObject, type JsonObject, type Statement } from './model/statement-types';

const CONTEXT_ACTIVITY_KINDS = ['parent', 'grouping', 'category', 'other'] as const;
export const VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided';

/**
 * Sets the properties the LRS owns on an incoming (already validated) statement and returns a
 * new object; the input is not modified. xAPI 1.0.3 Data §2.2 and §2.4.8–2.4.10:
 * - `id` generated when absent, lower-cased when given (UUIDs compare case-insensitively);
 * - `stored` set to the receiving time; `timestamp` defaults to it;
 * - `authority` set from the credential (the LRS SHOULD overwrite it, §2.4.9);
 * - `version` set when absent.
 * xAPI 1.0.3 Data §2.4.6.2: context activities are returned as arrays even when sent singly.
 * xAPI 2.0: a timestamp sent with an offset is stored converted to UTC.
 */
export function prepareStatement(input: Statement, opts: { line: XapiLine; stored: string; authority: JsonObject }): Statement {
  const s: Statement = { ...input };
  s.id = typeof s.id === 'string' ? s.id.toLowerCase() : randomUUID();
  if (typeof s.timestamp !== 'string') {
    s.timestamp = opts.stored;
  } else if (opts.line === '2.0') {
    s.timestamp = toUtcIsoMillis(s.timestamp) ?? s.timestamp;
  }
  s.stored = opts.stored;
  s.authority = opts.authority;
  if (typeof s.version !== 'string') s.version = DEFAULT_STATEMENT_VERSION[opts.line];
  normaliseContext(s);
  if (isObject(s.object) && s.object.objectType === 'SubStatement') {
    const sub = { ...s.object };
    normaliseContext(sub);
    s.object = sub;
  }
  return s;
}

function normaliseContext(s: Statement): void {
  if (!isObject(s.context) || !isObject(s.context.contextActivities)) return;
  const ca: JsonObject = { ...s.context.contextActivities };
  for (const kind of CONTEXT_ACTIVITY_KINDS) {
    const v = ca[kind];
    if (v !== undefined && !Array.isArray(v)) ca[kind] = [v];
  }
  s.context = { ...s.context, contextActivities: ca };
}

/** The id a voiding statement voids, when it is one (verb `voided` and a StatementRef object). */
export function voidedTargetOf(s: Statement): string | undefined {
  if (!isObject(s.verb) || s.verb.id !== VOIDED_VERB) return undefined;
  return statementRefOf(s);
}

/** The statement id a StatementRef object points at. */
export function statementRefOf(s: Statement): string | undefined {
  if (!isObject(s.object) || s.object.objectType !== 'StatementRef' || typeof s.object.id !== 'string') return undefined;
  return s.object.id.toLowerCase();
}
