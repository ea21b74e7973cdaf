import { AppError } from '../errors/app-error';
import type { ValidationProblem } from '../xapi/validation-problem';
import { timestampToEpochMillis } from './model/timestamps';
import { parseAgentParam } from '../xapi/agent-param';
import type { XapiLine } from '../xapi/xapi-version';
import type { StatementFilter } from './query-plan';

export type StatementFormat = 'exact' | 'ids' | 'canonical';

/** A parsed GET /statements request: one statement by id, or a filtered page. */
export type StatementRequest =
  | { kind: 'single'; id: string; voided: boolean; format: StatementFormat; attachments: boolean }
  | { kind: 'query'; filter: StatementFilter; limit: number; format: StatementFormat; attachments: boolean; cursor?: { stored: Date; oid: string } };

const ALLOWED = new Set(['statementId', 'voidedStatementId', 'agent', 'verb', 'activity', 'registration', 'related_activities', 'related_agents', 'since', 'until', 'limit', 'format', 'attachments', 'ascending', 'more']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IRI = /^[a-z][a-z0-9+.-]*:\S+$/i;

/**
 * Parses and checks the query parameters of GET /statements (xAPI 1.0.3 Communication §2.1.3),
 * listing every problem at once. `more` tokens are decoded by the caller and passed as `more`.
 */
export function parseStatementQuery(query: Record<string, unknown>, opts: { line: XapiLine; limitDefault: number; limitMax: number }): StatementRequest {
  const problems: ValidationProblem[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });
  const get = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') { bad(name, 'must be given once, as a single value'); return undefined; }
    return v;
  };
  for (const name of Object.keys(query)) if (!ALLOWED.has(name)) bad(name, 'is not a parameter of the statements resource');

  const bool = (name: string): boolean => {
    const v = get(name);
    if (v === undefined) return false;
    if (v !== 'true' && v !== 'false') bad(name, 'must be true or false');
    return v === 'true';
  };
  const format = (get('format') ?? 'exact') as StatementFormat;
  if (!['exact', 'ids', 'canonical'].includes(format)) bad('format', 'must be one of exact, ids, canonical');
  const attachments = bool('attachments');

  const statementId = get('statementId');
  const voidedStatementId = get('voidedStatementId');
  if (statementId !== undefined || voidedStatementId !== undefined) {
    // §2.1.3: with statementId or voidedStatementId only attachments and format may be added.
    const others = Object.keys(query).filter((k) => !['statementId', 'voidedStatementId', 'format', 'attachments'].includes(k));
    if (others.length > 0) bad(others.join(', '), 'cannot be combined with statementId or voidedStatementId');
    if (statementId !== undefined && voidedStatementId !== undefined) bad('statementId', 'cannot be combined with voidedStatementId');
    const id = (statementId ?? voidedStatementId) as string;
    if (!UUID.test(id)) bad(statementId !== undefined ? 'statementId' : 'voidedStatementId', 'must be a UUID');
    if (problems.length > 0) throw AppError.fromProblems('INVALID_PARAMETER', problems);
    return { kind: 'single', id: id.toLowerCase(), voided: voidedStatementId !== undefined, format, attachments };
  }

  const filter: StatementFilter = { ascending: bool('ascending'), relatedAgents: bool('related_agents'), relatedActivities: bool('related_activities') };
  const agent = get('agent');
  if (agent !== undefined) {
    const parsed = parseAgentParam(agent, { line: opts.line });
    problems.push(...parsed.problems);
    filter.agentKey = parsed.key;
  }
  const verb = get('verb');
  if (verb !== undefined) { if (!IRI.test(verb)) bad('verb', 'must be an IRI'); filter.verbId = verb; }
  const activity = get('activity');
  if (activity !== undefined) { if (!IRI.test(activity)) bad('activity', 'must be an IRI'); filter.activityId = activity; }
  const registration = get('registration');
  if (registration !== undefined) { if (!UUID.test(registration)) bad('registration', 'must be a UUID'); filter.registration = registration.toLowerCase(); }
  for (const name of ['since', 'until'] as const) {
    const v = get(name);
    if (v === undefined) continue;
    const ms = timestampToEpochMillis(v);
    if (ms === undefined) bad(name, 'must be an ISO 8601 timestamp with a time zone');
    else filter[name] = new Date(ms);
  }
  let limit = opts.limitDefault;
  const rawLimit = get('limit');
  if (rawLimit !== undefined) {
    if (!/^\d+$/.test(rawLimit)) bad('limit', 'must be a non-negative integer');
    // §2.1.3: limit 0 means "the server's maximum".
    const n = Number(rawLimit);
    limit = n === 0 ? opts.limitMax : Math.min(n, opts.limitMax);
  }
  if (problems.length > 0) throw AppError.fromProblems('INVALID_PARAMETER', problems);
  return { kind: 'query', filter, limit, format, attachments };
}
