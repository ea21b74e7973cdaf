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
  await moveLearnerEvidence(deps, { store, from, to: learnerId });
  const generations = await deps.generations.peek(store);
  const set = await deps.scoringSets.get(store);
  await updateLearner(deps, { store, generations, learnerId, cells: 'all', set, now });
  return { absorbed: absorbedDocs };
}

/**
 * Moves every generation's evidence of some learners to another (log rows and live cells) and
 * deletes their states; the caller recomputes the receiving learner. Idempotent.
 */
export async function moveLearnerEvidence(deps: PipelineDeps, input: { store: string; from: string[]; to: string }): Promise<void> {
  const { store, from, to } = input;
  if (from.length === 0) return;
  await deps.evidence.reassign(store, from, to);
  const docs = await deps.cells.ofLearners(store, from);
  for (const d of docs) {
    await deps.cells.add(store, d.generation, Object.values(d.items ?? {}).map((item) => ({ ...item, learnerId: to, frameworkId: d.frameworkId })));
  }
  await deps.cells.delete(docs.map((d) => d._id));
  await Promise.all([deps.states.reassign(store, from), deps.rollups.removeLearners(store, from)]);
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
