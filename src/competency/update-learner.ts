import type { PipelineDeps } from './competency-pipeline';
import { recomputeLearner, type CellRef } from './recompute-cells';
import type { ScoringSet } from './scoring-set';

/** The generations a change must reach: the active one, and the one a rebuild is writing. */
export interface Generations { active: number; building?: number }

export function generationList(g: Generations): number[] {
  return g.building === undefined ? [g.active] : [g.active, g.building];
}

/**
 * Recomputes a learner's touched cells in every live generation and, in the active one, writes
 * back validations that came into force. Everything here is derived from the evidence log, so
 * running it again (a retried job) changes nothing.
 */
export async function updateLearner(deps: PipelineDeps, input: { store: string; generations: Generations; learnerId: string; cells: CellRef[] | 'all'; set: ScoringSet; now: Date; only?: number }): Promise<void> {
  for (const generation of generationList(input.generations)) {
    if (input.only !== undefined && generation !== input.only) continue;
    const result = await recomputeLearner(deps, { store: input.store, generation, learnerId: input.learnerId, cells: input.cells, set: input.set, now: input.now });
    if (generation !== input.generations.active || deps.writeBack === undefined) continue;
    for (const r of [...result.states.map((s) => ({ ...s, competencyId: s.state.competencyId, current: s.state })), ...result.rollups.map((s) => ({ ...s, competencyId: s.standing.competencyId, current: s.standing }))]) {
      if (!r.written || !r.current.validated) continue;
      const sf = input.set.byId.get(r.frameworkId);
      const competency = sf?.byId.get(r.competencyId);
      if (sf === undefined || competency === undefined) continue;
      try {
        await deps.writeBack.validated({ store: input.store, learnerId: input.learnerId, framework: sf.framework, competency, state: r.current, evidence: r.evidence });
      } catch (err) {
        // MongoDB trouble fails the job (it is retried, and the write-back with it); anything else
        // is a bug in the statement we build, which must not stop scoring.
        const code = (err as { code?: unknown }).code;
        if (typeof code !== 'string' || code === 'SERVICE_UNAVAILABLE' || code === 'INTERNAL') throw err;
        deps.logger?.error({ err, store: input.store, learnerId: input.learnerId, competencyId: r.competencyId }, 'write-back statement refused by the LRS');
      }
    }
  }
}

/**
 * Retracts the evidence of statements (voiding) in every live generation and recomputes the cells
 * it touched. Cells are looked up whether or not their rows are already retracted, so a retry
 * after a crash between the two steps still recomputes them.
 */
export async function retractStatements(deps: PipelineDeps, input: { store: string; generations: Generations; statementIds: string[]; by: string; set: ScoringSet; now: Date }): Promise<number> {
  let touched = 0;
  for (const generation of generationList(input.generations)) {
    const cells = await deps.evidence.cellsOf(input.store, generation, input.statementIds);
    if (cells.length === 0) continue;
    await deps.evidence.retract(input.store, generation, input.statementIds, input.by, input.now);
    const byLearner = new Map<string, CellRef[]>();
    for (const c of cells) byLearner.set(c.learnerId, [...(byLearner.get(c.learnerId) ?? []), { frameworkId: c.frameworkId, competencyId: c.competencyId }]);
    for (const [learnerId, learnerCells] of byLearner) {
      await updateLearner(deps, { store: input.store, generations: input.generations, only: generation, learnerId, cells: learnerCells, set: input.set, now: input.now });
    }
    touched += cells.length;
  }
  return touched;
}
