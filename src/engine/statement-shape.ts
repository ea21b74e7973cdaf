/**
 * The parts of an xAPI statement the engine reads, typed loosely on purpose: the engine gets
 * statements already validated and stored by the LRS, and must not crash on anything it does not
 * expect (a rule that cannot evaluate a statement skips it). Field names follow xAPI 2.0
 * (IEEE 9274.1.1) and 1.0.3 Data §2.4.
 */

/** An Agent or Group as the engine sees it. */
export interface AgentLike {
  objectType?: string;
  name?: string;
  mbox?: string;
  mbox_sha1sum?: string;
  openid?: string;
  account?: { homePage?: string; name?: string };
  member?: AgentLike[];
}

export interface ActivityLike {
  objectType?: string;
  id?: string;
  definition?: { type?: string; interactionType?: string };
}

/** xAPI 2.0 Data §2.4.6.3 context agents. */
export interface ContextAgentLike {
  objectType?: string;
  agent?: AgentLike;
  relevantTypes?: string[];
}

type ActivityList = ActivityLike[] | ActivityLike;

export interface StatementLike {
  id?: string;
  actor?: AgentLike;
  verb?: { id?: string };
  object?: ActivityLike;
  result?: {
    score?: { scaled?: number };
    success?: boolean;
    response?: string;
  };
  context?: {
    instructor?: AgentLike;
    contextAgents?: ContextAgentLike[];
    // xAPI 1.0.3 Data §2.4.6.2: 1.0.0 allowed a single object; the LRS returns arrays, but
    // statements stored before conversion may still hold one.
    contextActivities?: { parent?: ActivityList; grouping?: ActivityList; category?: ActivityList; other?: ActivityList };
  };
  timestamp?: string;
  stored?: string;
  authority?: AgentLike;
}

export type ContextActivityKey = 'parent' | 'grouping' | 'category' | 'other';

/** The value as a list: itself if an array, `[value]` if an object, else empty. */
export function listOf<T>(value: T[] | T | undefined | null): T[] {
  if (Array.isArray(value)) return value;
  return value !== null && typeof value === 'object' ? [value] : [];
}

/** Ids of one context activity list (empty when absent). */
export function contextActivityIds(statement: StatementLike, key: ContextActivityKey): string[] {
  return listOf(statement.context?.contextActivities?.[key]).flatMap((a) => (typeof a?.id === 'string' ? [a.id] : []));
}

/**
 * Canonical inverse functional identifier of an agent or identified group (xAPI 1.0.3 Data
 * §2.4.2.3), `undefined` for an anonymous group or no identifier.
 */
export function agentIfi(agent: AgentLike | undefined): string | undefined {
  if (agent === null || typeof agent !== 'object') return undefined;
  if (typeof agent.mbox === 'string') return `mbox:${agent.mbox}`;
  if (typeof agent.mbox_sha1sum === 'string') return `mbox_sha1sum:${agent.mbox_sha1sum}`;
  if (typeof agent.openid === 'string') return `openid:${agent.openid}`;
  const account = agent.account;
  if (account !== undefined && typeof account.homePage === 'string' && typeof account.name === 'string') {
    return `account:${account.homePage}|${account.name}`;
  }
  return undefined;
}

export const VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided';
