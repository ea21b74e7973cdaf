import { competencyPipeline, type PipelineDeps, type PipelineOptions } from './competency-pipeline';
import type { LearnerAttributes } from './learners.repository';
import { updateLearner } from './update-learner';

export interface RelinkInput {
  store: string;
  learnerId: string;
  /** The learner's identities (IFI keys as `agentIfiKey` makes them). */
  identities: string[];
  /**
   * When given, the learner is saved with these attributes here, between absorbing the implicit
   * learners and moving their evidence (the unique identity index refuses the save while an
   * implicit learner still holds an identity). When absent, the caller saves the learner itself.
   */
  attributes?: LearnerAttributes;
}

export interface RelinkResult {
  /** Implicit learners whose evidence moved to `learnerId`. */
  absorbed: string[];
}

/**
 * A learner was (re)defined with identities that statements already credited to implicit learners
 * (`implicit:<identity>`): move their evidence to the learner and recompute its states, in every
 * live generation. Idempotent: implicit learner ids are derived from the identity, so a second call
 * (or a call after the caller already deleted the implicit learners) finds the same evidence.
 *
 * Call it when an API request creates or changes a learner's identities, e.g.
 * `await relinkLearner(deps, { store, learnerId, identities, attributes })`. Evidence of an
 * identity *removed* from a learner stays with that learner (it was the same person when recorded).
 */
export async function relinkLearner(deps: PipelineDeps, input: RelinkInput): Promise<RelinkResult> {
  const { store, learnerId, identities } = input;
  const now = deps.now();
  const absorbedDocs = await deps.learners.absorbImplicit(store, identities, learnerId);
  if (input.attributes !== undefined) await deps.learners.upsert(store, { learnerId, identities, attributes: input.attributes }, now);
  const from = [...new Set([...absorbedDocs, ...identities.map((i) => `implicit:${i}`)])].filter((id) => id !== learnerId);
  await deps.evidence.reassign(store, from, learnerId);
  await Promise.all([deps.states.reassign(store, from), deps.rollups.removeLearners(store, from)]);
  const generations = await deps.generations.peek(store);
  const set = await deps.scoringSets.get(store);
  await updateLearner(deps, { store, generations, learnerId, cells: 'all', set, now });
  return { absorbed: absorbedDocs };
}

/**
 * `relinkLearner` bound to a database, in the shape the /api learners service takes:
 * `relink: relinkLearnerService({ db, statementsService, logger })` (the statements service lets
 * a relink that validates a competency write it back, as scoring does).
 */
export function relinkLearnerService(opts: PipelineOptions): (input: RelinkInput) => Promise<void> {
  const deps = competencyPipeline(opts);
  let indexes: Promise<void> | undefined;
  return async (input) => {
    // The pipeline's unique indexes (scoring sequence, roll-ups) back its correctness.
    indexes ??= deps.ensureIndexes().catch((err: unknown) => { indexes = undefined; throw err; });
    await indexes;
    await relinkLearner(deps, input);
  };
}
