/**
 * Stand-in for the scoring pipeline's `relinkLearner` until it lands (see `api-services.ts`):
 * moves the evidence of the implicit learners an explicit learner now claims (ids
 * `implicit:<identity>`, as `learners.resolve` makes them) to that learner, drops their states and
 * recomputes the learner's states of the cells concerned from the evidence.
 */
import { computeState } from '../../engine';
import type { DefinitionsRepository } from '../../competency/definitions.repository';
import type { EvidenceRepository } from '../../competency/evidence.repository';
import type { GenerationsRepository } from '../../competency/generations.repository';
import type { StatesRepository } from '../../competency/states.repository';

export type RelinkLearner = (input: { store: string; learnerId: string; identities: string[] }) => Promise<void>;

export function relinkLearnerFallback(deps: {
  definitions: DefinitionsRepository;
  evidence: EvidenceRepository;
  states: StatesRepository;
  generations: GenerationsRepository;
  now?: () => Date;
}): RelinkLearner {
  const now = deps.now ?? (() => new Date());
  return async ({ store, learnerId, identities }) => {
    const from = identities.map((identity) => `implicit:${identity}`).filter((id) => id !== learnerId);
    if (from.length === 0) return;
    const { active, building } = await deps.generations.get(store);
    const generations = building === undefined ? [active] : [active, building];
    const cells = new Map<string, { generation: number; frameworkId: string; competencyId: string }>();
    for (const generation of generations) {
      for (const implicitId of from) {
        for (const s of await deps.states.forLearner(store, generation, implicitId)) {
          cells.set(`${generation}\u0000${s.frameworkId}\u0000${s.competencyId}`, { generation, frameworkId: s.frameworkId, competencyId: s.competencyId });
        }
      }
    }
    await deps.evidence.reassign(store, from, learnerId);
    await deps.states.reassign(store, from);
    const at = now();
    for (const cell of cells.values()) {
      const current = await deps.definitions.currentFramework(store, cell.frameworkId);
      const competency = current?.framework.competencies.find((c) => c.id === cell.competencyId);
      if (!current || !competency) continue;
      const evidence = await deps.evidence.forCell(store, cell.generation, { learnerId, frameworkId: cell.frameworkId, competencyId: cell.competencyId });
      const state = computeState({ competency, learnerId, evidence, now: at.getTime() });
      await deps.states.put(store, cell.generation, cell.frameworkId, current.version, state, at);
    }
  };
}
