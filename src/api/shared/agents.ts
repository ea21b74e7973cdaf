import { validateStatement } from '../../statements/validation/validate-statement';
import { agentIfiKey } from '../../statements/model/agent-ifi';
import type { JsonObject } from '../../statements/model/statement-types';
import type { ValidationProblem } from '../../xapi/validation-problem';

const PROBE_VERB = { id: 'http://adlnet.gov/expapi/verbs/experienced' };
const PROBE_OBJECT = { id: 'http://example.com/probe' };

/**
 * Checks an xAPI Agent given in an /api body with the same rules as a statement's actor (xAPI 2.0
 * Data §2.4.2.1: exactly one IFI, mbox a mailto IRI, …) and returns its IFI key as
 * `agentIfiKey` makes it. Groups are refused: a learner or an assessor is one person.
 */
export function checkAgent(value: unknown, path: string): { agent?: JsonObject; key?: string; problems: ValidationProblem[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problems: [{ path, message: 'must be an xAPI Agent object' }] };
  if ((value as JsonObject).objectType === 'Group') return { problems: [{ path, message: 'must be an Agent, not a Group' }] };
  const problems = validateStatement({ actor: value, verb: PROBE_VERB, object: PROBE_OBJECT }, { line: '2.0' })
    .filter((p) => p.path === 'actor' || p.path.startsWith('actor.') || p.path.startsWith('actor['))
    .map((p) => ({ path: p.path.replace(/^actor/, path), message: p.message }));
  if (problems.length > 0) return { problems };
  const key = agentIfiKey(value);
  if (key === undefined) return { problems: [{ path, message: 'must identify the agent by an IFI (mbox, mbox_sha1sum, openid or account)' }] };
  return { agent: value as JsonObject, key, problems: [] };
}

/**
 * The Agent an IFI key stands for (the inverse of `agentIfiKey`), with only its IFI property.
 * Returns undefined for a key it does not recognise.
 */
export function agentOfIfiKey(key: string): JsonObject | undefined {
  const colon = key.indexOf(':');
  if (colon < 0) return undefined;
  const kind = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  switch (kind) {
    case 'mbox':
      return { objectType: 'Agent', mbox: rest };
    case 'mbox_sha1sum':
      return { objectType: 'Agent', mbox_sha1sum: rest };
    case 'openid':
      return { objectType: 'Agent', openid: rest };
    case 'account': {
      // agentIfiKey escapes '%' and '|' in the homePage, so the first '|' ends it.
      const bar = rest.indexOf('|');
      if (bar < 0) return undefined;
      const homePage = rest.slice(0, bar).replace(/%7C/g, '|').replace(/%25/g, '%');
      return { objectType: 'Agent', account: { homePage, name: rest.slice(bar + 1) } };
    }
    default:
      return undefined;
  }
}
