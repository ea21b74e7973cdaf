import type { LearnerAttributes } from '../../competency/learners.repository';
import type { ValidationProblem } from '../../xapi/validation-problem';
import { schemaProblems } from '../http/body-schemas';
import { checkAgent } from '../shared/agents';

/** A learner as the service saves it: identities as IFI keys (`agentIfiKey`). */
export interface LearnerInput {
  learnerId: string;
  identities: string[];
  attributes: LearnerAttributes;
}

/** Attribute names, in the order the API documents them. */
export const ATTRIBUTE_NAMES = ['name', 'role', 'team', 'manager', 'cohort', 'startDate', 'roleAssignedAt'] as const;

/**
 * Checks a learner body (`schemas/api/learner.schema.json`, then each identity by the xAPI Agent
 * rules) and turns it into a {@link LearnerInput}. `locate` renames problem paths, so that a CSV
 * row can report `row 3, column mbox` for what a JSON body reports as `identities[0].mbox`.
 */
export function parseLearnerBody(body: unknown, opts: { learnerId: string; locate?: (path: string) => string }): { input?: LearnerInput; problems: ValidationProblem[] } {
  const locate = opts.locate ?? ((p: string) => p);
  const problems: ValidationProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path: locate(path), message });
  for (const p of schemaProblems('learner', body)) add(p.path, p.message);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problems: problems.length > 0 ? problems : [{ path: locate(''), message: 'must be a JSON object' }] };
  const b = body as Record<string, unknown>;
  if (b.learnerId !== undefined && b.learnerId !== opts.learnerId) add('learnerId', `must equal the id in the URL (${JSON.stringify(opts.learnerId)})`);

  const identities: string[] = [];
  const firstIndex = new Map<string, number>();
  (Array.isArray(b.identities) ? b.identities : []).forEach((agent, i) => {
    const checked = checkAgent(agent, `identities[${i}]`);
    for (const p of checked.problems) add(p.path, p.message);
    if (checked.key === undefined) return;
    const earlier = firstIndex.get(checked.key);
    if (earlier !== undefined) add(`identities[${i}]`, `is the same agent as identities[${earlier}]`);
    else {
      firstIndex.set(checked.key, i);
      identities.push(checked.key);
    }
  });
  if (problems.length > 0) return { problems };
  const attributes: LearnerAttributes = {};
  for (const name of ATTRIBUTE_NAMES) if (typeof b[name] === 'string') attributes[name] = b[name];
  return { input: { learnerId: opts.learnerId, identities, attributes }, problems };
}
