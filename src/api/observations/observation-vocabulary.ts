/**
 * The xAPI vocabulary of manager observations (documented in docs/api.md, "Observations").
 *
 * An observation is stored as: learner (actor) *demonstrated* (verb) a behavioural indicator
 * (object Activity), rated by an assessor who is named in `context.instructor` and, in xAPI 2.0,
 * in `context.contextAgents` with the relevant type *assessor*; the competency is the parent
 * context activity, the framework the grouping one. Neither the ADL vocabulary nor the TLA
 * profile has a verb for "was seen doing X by an assessor" (TLA `asserted` is the engine's
 * conclusion, ADL `scored`/`passed` describe a test), so the verb and the indicator and assessor
 * types are this LRS's own, under its namespace. Competency and framework IRIs are the ones the
 * pipeline's write-back statements use (`src/competency/write-back.ts`), so both kinds of
 * statement about one competency share its activity.
 */

import { ACTIVITY_TYPE_COMPETENCY, competencyIri, frameworkIri } from '../../competency/write-back';

/** Shared with the pipeline's write-back statements: one activity per competency and framework. */
export { ACTIVITY_TYPE_COMPETENCY, competencyIri, frameworkIri };

const NS = 'https://competency-lrs.dev/xapi';

/** The learner demonstrated the indicator (object), as rated by the assessor in context. */
export const VERB_DEMONSTRATED = `${NS}/verbs/demonstrated`;
/** Activity type of a behavioural indicator of a competency. */
export const ACTIVITY_TYPE_INDICATOR = `${NS}/activity-types/behavioural-indicator`;
/** Activity type of a competency framework. */
export const ACTIVITY_TYPE_FRAMEWORK = `${NS}/activity-types/competency-framework`;
/** `contextAgents[].relevantTypes` entry naming the assessor (xAPI 2.0 Data §2.4.6.3). */
export const RELEVANT_TYPE_ASSESSOR = `${NS}/relevant-types/assessor`;
/** Category activity: statements following this observation template (lets rules match on `templateIds`). */
export const OBSERVATION_TEMPLATE = `${NS}/templates/observation`;
/** `attachments[].usageType` of a file supporting an observation. */
export const ATTACHMENT_USAGE_EVIDENCE = `${NS}/attachment-usages/observation-evidence`;

const EXT = `${NS}/extensions`;
export const OBSERVATION_EXTENSIONS = {
  /** `{ id, version }` of the framework the observation was recorded against. */
  framework: `${EXT}/framework`,
  competency: `${EXT}/competency`,
  indicator: `${EXT}/indicator`,
  /** The rating as given: a level id of the competency's scale or a number 0..1. */
  rating: `${EXT}/rating`,
} as const;

/** The indicator's activity IRI; indicator ids are only unique within their competency. */
export function indicatorIri(frameworkId: string, competencyId: string, indicatorId: string): string {
  return `urn:competency-lrs:indicator:${[frameworkId, competencyId, indicatorId].map(encodeURIComponent).join(':')}`;
}
