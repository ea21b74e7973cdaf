import { AppError } from '../errors/app-error';
import type { ValidationProblem } from '../xapi/validation-problem';
import type { XapiLine } from '../xapi/xapi-version';
import { parseAgentParam } from '../xapi/agent-param';
import { timestampToEpochMillis } from '../statements/model/timestamps';

/** The three Document resources (xAPI 1.0.3 Communication §2.3, §2.6, §2.7). */
export type DocumentKind = 'state' | 'activityProfile' | 'agentProfile';

/** The HTTP methods a Document resource serves (HEAD is answered as GET). */
export type DocumentMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/**
 * Where one document lives. Fields a resource does not use are `''` (never null, so the unique
 * index and equality queries behave the same on MongoDB and on the stand-in).
 */
export interface DocumentKey {
  kind: DocumentKind;
  activityId: string;
  /** Canonical IFI key of the `agent` parameter ({@link agentIfiKey}). */
  agentKey: string;
  /** Lower-cased registration UUID, or `''` for state stored without one. */
  registration: string;
  /** `stateId` or `profileId`, exactly as sent. */
  docId: string;
}

/**
 * The documents a list GET or a multiple DELETE covers. `registration` undefined means every
 * registration: Communication §2.3.s4/§2.3.s5 narrow by registration only "if specified".
 */
export interface DocumentScope {
  kind: DocumentKind;
  activityId: string;
  agentKey: string;
  registration?: string;
}

/** A parsed request: one document, or all documents of a scope (list GET, state DELETE). */
export type DocumentRequest =
  | { target: 'one'; key: DocumentKey }
  | { target: 'all'; scope: DocumentScope; since?: Date };

interface ResourceShape {
  /** Name of the id parameter. */
  id: 'stateId' | 'profileId';
  activity: boolean;
  agent: boolean;
  registration: boolean;
  /** Whether DELETE without the id parameter deletes every document of the scope. */
  multiDelete: boolean;
}

const RESOURCES: Record<DocumentKind, ResourceShape> = {
  // Communication §2.3: activityId + agent (+ registration), stateId; DELETE without stateId clears.
  state: { id: 'stateId', activity: true, agent: true, registration: true, multiDelete: true },
  // Communication §2.7: activityId, profileId.
  activityProfile: { id: 'profileId', activity: true, agent: false, registration: false, multiDelete: false },
  // Communication §2.6: agent, profileId.
  agentProfile: { id: 'profileId', activity: false, agent: true, registration: false, multiDelete: false },
};

/** Where each resource is mounted under the xAPI endpoint. */
export const DOCUMENT_PATHS: Record<DocumentKind, string> = {
  state: '/activities/state',
  activityProfile: '/activities/profile',
  agentProfile: '/agents/profile',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// xAPI 1.0.3 Data §4.3 / 2.0: an IRI has a scheme (1.0.2 did not require one).
const IRI = /^[a-z][a-z0-9+.-]*:\S+$/i;

/**
 * Checks the query parameters of a Document resource request, listing every problem at once
 * (Communication §3.2.s3.b7: parameters a resource does not define are rejected with 400).
 * `since` is accepted on GET only; with an id it is ignored (the ADL conformance suite sends it
 * with a stateId and expects the document).
 */
export function parseDocumentParams(query: Record<string, unknown>, opts: { kind: DocumentKind; method: DocumentMethod; line: XapiLine }): DocumentRequest {
  const shape = RESOURCES[opts.kind];
  const resource = DOCUMENT_PATHS[opts.kind];
  const problems: ValidationProblem[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });

  const allowed = new Set<string>([shape.id]);
  if (shape.activity) allowed.add('activityId');
  if (shape.agent) allowed.add('agent');
  if (shape.registration) allowed.add('registration');
  if (opts.method === 'GET') allowed.add('since');
  for (const name of Object.keys(query)) {
    if (!allowed.has(name)) bad(name, `is not a parameter of ${opts.method} ${resource}`);
  }
  const get = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') { bad(name, 'must be given once, as a single value'); return undefined; }
    return v;
  };

  let activityId = '';
  if (shape.activity) {
    const v = get('activityId');
    if (v === undefined) { if (query.activityId === undefined) bad('activityId', 'is required'); }
    else if (!IRI.test(v)) bad('activityId', 'must be an IRI (with a scheme, e.g. http://example.com/course)');
    else activityId = v;
  }

  let agentKey = '';
  if (shape.agent) {
    const v = get('agent');
    if (v === undefined) { if (query.agent === undefined) bad('agent', 'is required (a JSON Agent object)'); }
    else {
      const parsed = parseAgentParam(v, { line: opts.line, agentOnly: true });
      problems.push(...parsed.problems);
      agentKey = parsed.key ?? '';
    }
  }

  let registration: string | undefined;
  if (shape.registration) {
    const v = get('registration');
    if (v !== undefined) {
      if (!UUID.test(v)) bad('registration', 'must be a UUID');
      else registration = v.toLowerCase();
    }
  }

  const docId = get(shape.id);
  if (docId === '') bad(shape.id, 'must not be empty');
  const idRequired = opts.method === 'PUT' || opts.method === 'POST' || (opts.method === 'DELETE' && !shape.multiDelete);
  if (docId === undefined && query[shape.id] === undefined && idRequired) {
    bad(shape.id, `is required for ${opts.method} ${resource}`);
  }

  let since: Date | undefined;
  const rawSince = opts.method === 'GET' ? get('since') : undefined;
  if (rawSince !== undefined) {
    const ms = timestampToEpochMillis(rawSince);
    if (ms === undefined) bad('since', 'must be an ISO 8601 timestamp (e.g. 2024-05-01T10:00:00Z)');
    else since = new Date(ms);
  }

  if (problems.length > 0) throw AppError.fromProblems('INVALID_PARAMETER', problems);
  if (docId !== undefined) {
    return { target: 'one', key: { kind: opts.kind, activityId, agentKey, registration: registration ?? '', docId } };
  }
  return { target: 'all', scope: { kind: opts.kind, activityId, agentKey, ...(registration !== undefined ? { registration } : {}) }, ...(since ? { since } : {}) };
}
