import type { ValidationProblem } from './validation-problem';
import type { XapiLine } from './xapi-version';
import { validateStatement } from '../statements/validation/validate-statement';
import { agentIfiKey } from '../statements/model/agent-ifi';
import type { JsonObject } from '../statements/model/statement-types';

/**
 * Parses an `agent` query parameter (JSON Agent or Identified Group) with the same rules as a
 * statement's actor, reporting problems under the parameter's name. `agentOnly` refuses Groups
 * (the Agents and Agent Profile resources take an Agent).
 */
export function parseAgentParam(raw: string, opts: { line: XapiLine; name?: string; agentOnly?: boolean }): { agent?: JsonObject; key?: string; problems: ValidationProblem[] } {
  const name = opts.name ?? 'agent';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { problems: [{ path: name, message: 'must be a JSON Agent object (it is not valid JSON)' }] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problems: [{ path: name, message: 'must be a JSON Agent object' }] };
  }
  // Communication §2.6.s3 (note): data about an Identified Group is kept under the group's IFI in an Agent object.
  if (opts.agentOnly && (parsed as JsonObject).objectType === 'Group') {
    return { problems: [{ path: name, message: 'must be an Agent, not a Group (put the group\'s IFI in an Agent object)' }] };
  }
  const probe = { actor: parsed, verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' }, object: { id: 'http://example.com/probe' } };
  const problems = validateStatement(probe, { line: opts.line })
    .filter((p) => p.path === 'actor' || p.path.startsWith('actor.') || p.path.startsWith('actor['))
    .map((p) => ({ path: p.path.replace(/^actor/, name), message: p.message }));
  if (problems.length > 0) return { problems };
  const agent = parsed as JsonObject;
  const key = agentIfiKey(agent);
  if (key === undefined) return { problems: [{ path: name, message: 'must identify an Agent or Identified Group by an IFI (mbox, mbox_sha1sum, openid or account)' }] };
  return { agent, key, problems: [] };
}
