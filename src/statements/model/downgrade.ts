import { DEFAULT_STATEMENT_VERSION, type XapiLine } from '../../xapi/xapi-version';
import { type JsonObject, type PropertyRule, type Statement, isObject, mapProperties, stringOf } from './statement-types';
import { toUtcIsoMillis } from './timestamps';

/**
 * How a statement accepted under xAPI 2.0 is returned to a request made with a 1.0.x
 * `X-Experience-API-Version` header.
 *
 * Decision: always a strict downgrade (what SQL LRS offers as an option). A 1.0.3 reader, and in
 * particular another LRS importing with `format=exact`, validates what it receives: 1.0.3 Data
 * §2.2 tells it to reject properties the specification does not allow, and §2.4.10 to reject a
 * statement whose version does not start with `1.0.`. Handing it a 2.0 statement as stored would
 * make the statement unusable to it; the downgrade loses only what 1.0.3 cannot express.
 *
 * For a 1.0 request:
 * - `context.contextAgents` and `context.contextGroups` (2.0 only) are removed, in the statement
 *   and in a SubStatement; a context left empty is removed too (Data §2.2: SHOULD NOT include
 *   properties whose value is an empty object).
 * - `version` not starting with `1.0.` becomes `1.0.0` (Data §2.4.10: the only version a 1.0.x
 *   statement may carry when set by a provider; 1.0.x readers reject other versions).
 * - `timestamp`, `stored` and a SubStatement's `timestamp` that use RFC 3339 liberties ISO 8601's
 *   extended format does not (space or lower-case separator, lower-case `z`, no zone, `24:00`) are
 *   rewritten in UTC. Data §2.3.1 allows a different serialisation of the same instant.
 *
 * A 2.0 request gets the statement unchanged: 2.0 readers accept 1.0.x statements. Statements
 * that need no change (every 1.0 statement, most 2.0 ones after the version) are returned with as
 * little copying as possible; the input is never mutated.
 */
export function downgradeForLine(statement: Statement, line: XapiLine): Statement {
  if (line === '2.0') return statement;
  const version = stringOf(statement.version);
  const rules: Record<string, PropertyRule | 'drop'> = {
    context: contextFor10,
    timestamp: timestampFor10,
    stored: timestampFor10,
    object: (o) => (isObject(o) && o.objectType === 'SubStatement' ? subStatementFor10(o) : o),
  };
  const downgraded = mapProperties(statement, rules);
  if (version !== undefined && !version.startsWith('1.0.')) downgraded.version = DEFAULT_STATEMENT_VERSION['1.0'];
  if (emptiedByDowngrade(statement.context, downgraded.context)) delete downgraded.context;
  return sameShallow(statement, downgraded) ? statement : downgraded;
}

// Data §4.5 / ISO 8601 extended format as 1.0.3 readers parse it.
const ISO_8601_EXTENDED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

const timestampFor10: PropertyRule = (v) =>
  typeof v === 'string' && !ISO_8601_EXTENDED.test(v) ? (toUtcIsoMillis(v) ?? v) : v;

const contextFor10: PropertyRule = (c) => {
  if (!isObject(c) || (!('contextAgents' in c) && !('contextGroups' in c))) return c;
  return mapProperties(c, { contextAgents: 'drop', contextGroups: 'drop' });
};

function subStatementFor10(sub: JsonObject): JsonObject {
  const downgraded = mapProperties(sub, { context: contextFor10, timestamp: timestampFor10 });
  if (emptiedByDowngrade(sub.context, downgraded.context)) delete downgraded.context;
  return sameShallow(sub, downgraded) ? sub : downgraded;
}

// Only a context that the downgrade emptied is removed; one sent empty stays as sent.
function emptiedByDowngrade(before: unknown, after: unknown): boolean {
  return before !== after && isObject(after) && Object.keys(after).length === 0;
}

function sameShallow(a: JsonObject, b: JsonObject): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
