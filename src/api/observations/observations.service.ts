import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors/app-error';
import type { Principal } from '../../auth/auth.service';
import type { Competency, Framework } from '../../engine';
import type { DefinitionsRepository } from '../../competency/definitions.repository';
import type { LearnersRepository } from '../../competency/learners.repository';
import type { StoreStatementsService } from '../../statements/statements.service';
import type { JsonObject } from '../../statements/model/statement-types';
import type { ValidationProblem } from '../../xapi/validation-problem';
import { schemaProblems } from '../http/body-schemas';
import { agentOfIfiKey, checkAgent } from '../shared/agents';
import {
  ACTIVITY_TYPE_COMPETENCY, ACTIVITY_TYPE_FRAMEWORK, ACTIVITY_TYPE_INDICATOR, ATTACHMENT_USAGE_EVIDENCE, OBSERVATION_EXTENSIONS,
  OBSERVATION_TEMPLATE, RELEVANT_TYPE_ASSESSOR, VERB_DEMONSTRATED, competencyIri, frameworkIri, indicatorIri,
} from './observation-vocabulary';

export interface ObservationsServiceDeps {
  definitions: DefinitionsRepository;
  learners: LearnersRepository;
  statements: StoreStatementsService;
  now?: () => Date;
}

interface ObservationBody {
  assessor: JsonObject;
  learner: string | JsonObject;
  frameworkId: string;
  competencyId: string;
  indicatorId: string;
  rating: number | string;
  note?: string;
  observedAt?: string;
  attachment?: { fileUrl: string; contentType: string; length: number; sha2: string; display?: string };
}

/**
 * The score a level rating stands for: the middle of the level's band, from its threshold to the
 * next level's (or 1), so that repeated ratings at a level settle the score inside that level.
 */
export function levelValue(competency: Competency, levelId: string): number | undefined {
  const levels = competency.scale.levels;
  const i = levels.findIndex((l) => l.id === levelId);
  if (i < 0) return undefined;
  const low = (levels[i] as { threshold: number }).threshold;
  const high = levels[i + 1]?.threshold ?? 1;
  return (low + high) / 2;
}

/**
 * Manager observations: checked against the framework (indicator of the competency, rating on
 * its scale), then stored as an ordinary xAPI 2.0 statement through the statements use case, so
 * it is validated, kept immutable, queued for scoring and visible under /xapi like any other.
 */
export function observationsService(deps: ObservationsServiceDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    async record(principal: Principal, body: unknown): Promise<{ statementId: string; statement: JsonObject }> {
      const problems = schemaProblems('observation', body);
      if (problems.length > 0) throw AppError.fromProblems('BAD_REQUEST', problems);
      const b = body as ObservationBody;
      const add = (path: string, message: string) => problems.push({ path, message });

      const assessor = checkAgent(b.assessor, 'assessor');
      problems.push(...assessor.problems);
      const learner = await learnerAgent(deps.learners, principal.store, b.learner, problems);
      if (assessor.key !== undefined && learner?.key !== undefined && assessor.key === learner.key) add('assessor', 'is the learner; an observation needs an assessor other than the learner');

      const current = await deps.definitions.currentFramework(principal.store, b.frameworkId);
      let rated: { value: number; levelIndex?: number; competency: Competency; framework: Framework; version: number } | undefined;
      if (!current) add('frameworkId', `no framework "${b.frameworkId}" in this store`);
      else {
        const competency = current.framework.competencies.find((c) => c.id === b.competencyId);
        if (!competency) add('competencyId', `framework "${b.frameworkId}" has no competency "${b.competencyId}"`);
        else {
          const indicators = competency.indicators ?? [];
          if (!indicators.some((i) => i.id === b.indicatorId)) {
            add('indicatorId', indicators.length === 0 ? `competency "${b.competencyId}" has no behavioural indicators` : `is not an indicator of "${b.competencyId}" (indicators: ${indicators.map((i) => i.id).join(', ')})`);
          }
          if (typeof b.rating === 'number') rated = { value: b.rating, competency, framework: current.framework, version: current.version };
          else {
            const value = levelValue(competency, b.rating);
            if (value === undefined) add('rating', `is neither a number from 0 to 1 nor a level of "${b.competencyId}" (levels: ${competency.scale.levels.map((l) => l.id).join(', ')})`);
            else rated = { value, levelIndex: competency.scale.levels.findIndex((l) => l.id === b.rating), competency, framework: current.framework, version: current.version };
          }
        }
      }
      if (b.observedAt !== undefined && Date.parse(b.observedAt) > now().getTime() + 5 * 60_000) add('observedAt', 'is in the future');
      if (problems.length > 0 || !rated || !learner || !assessor.agent) throw AppError.fromProblems('BAD_REQUEST', problems);

      const statement = buildStatement({ body: b, rated, learnerAgent: learner.agent, assessorAgent: assessor.agent, now: now() });
      const [statementId] = await deps.statements.store({ statements: [statement], principal, line: '2.0', single: true });
      return { statementId: statementId as string, statement: { ...statement, id: statementId } };
    },
  };
}
export type ObservationsService = ReturnType<typeof observationsService>;

/** The learner's Agent: as given, or the first identity of a learner given by id. */
async function learnerAgent(learners: LearnersRepository, store: string, given: string | JsonObject, problems: ValidationProblem[]): Promise<{ agent: JsonObject; key: string } | undefined> {
  if (typeof given !== 'string') {
    const checked = checkAgent(given, 'learner');
    problems.push(...checked.problems);
    return checked.agent && checked.key ? { agent: checked.agent, key: checked.key } : undefined;
  }
  const doc = await learners.findById(store, given);
  const key = doc?.identities[0];
  const agent = key === undefined ? undefined : agentOfIfiKey(key);
  if (!doc) problems.push({ path: 'learner', message: `no learner "${given}" in this store` });
  else if (!agent || key === undefined) problems.push({ path: 'learner', message: `learner "${given}" has no xAPI identity to record the observation under` });
  else return { agent: doc.attributes.name ? { ...agent, name: doc.attributes.name } : agent, key };
  return undefined;
}

function buildStatement(input: {
  body: ObservationBody;
  rated: { value: number; levelIndex?: number; competency: Competency; framework: Framework };
  learnerAgent: JsonObject;
  assessorAgent: JsonObject;
  now: Date;
}): JsonObject {
  const { body: b, rated, learnerAgent: actor, assessorAgent } = input;
  const { competency, framework } = rated;
  const indicator = (competency.indicators ?? []).find((i) => i.id === b.indicatorId);
  const levels = competency.scale.levels;
  // A level rating also says which level, as raw on a 1..n scale (xAPI Data §2.4.5.1: min ≤ raw ≤ max).
  const score = rated.levelIndex === undefined
    ? { scaled: rated.value }
    : { scaled: rated.value, raw: rated.levelIndex + 1, min: 1, max: levels.length };
  const assessor = { objectType: 'Agent', ...assessorAgent };
  const statement: JsonObject = {
    id: randomUUID(),
    actor: { objectType: 'Agent', ...actor },
    verb: { id: VERB_DEMONSTRATED, display: { 'en-US': 'demonstrated' } },
    object: {
      objectType: 'Activity',
      id: indicatorIri(framework.id, competency.id, b.indicatorId),
      definition: { type: ACTIVITY_TYPE_INDICATOR, name: { 'en-US': indicator?.title ?? b.indicatorId } },
    },
    result: {
      score,
      ...(b.note !== undefined ? { response: b.note } : {}),
      extensions: { [OBSERVATION_EXTENSIONS.rating]: b.rating },
    },
    context: {
      instructor: assessor,
      contextAgents: [{ objectType: 'contextAgent', agent: assessor, relevantTypes: [RELEVANT_TYPE_ASSESSOR] }],
      contextActivities: {
        parent: [{ objectType: 'Activity', id: competencyIri(framework.id, competency.id), definition: { type: ACTIVITY_TYPE_COMPETENCY, name: { 'en-US': competency.title } } }],
        grouping: [{ objectType: 'Activity', id: frameworkIri(framework.id), definition: { type: ACTIVITY_TYPE_FRAMEWORK, name: { 'en-US': framework.title } } }],
        category: [{ objectType: 'Activity', id: OBSERVATION_TEMPLATE }],
      },
      extensions: {
        [OBSERVATION_EXTENSIONS.framework]: { id: framework.id, version: framework.version },
        [OBSERVATION_EXTENSIONS.competency]: competency.id,
        [OBSERVATION_EXTENSIONS.indicator]: b.indicatorId,
      },
    },
    timestamp: b.observedAt ?? input.now.toISOString(),
  };
  if (b.attachment) {
    statement.attachments = [{
      usageType: ATTACHMENT_USAGE_EVIDENCE,
      display: { 'en-US': b.attachment.display ?? 'Observation evidence' },
      contentType: b.attachment.contentType,
      length: b.attachment.length,
      sha2: b.attachment.sha2.toLowerCase(),
      fileUrl: b.attachment.fileUrl,
    }];
  }
  return statement;
}
