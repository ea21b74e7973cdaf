import type { CompetencyStanding, CompetencyState, EvidenceItem } from '../engine';
import { markId } from './writebacks.repository';
import { validatedAnnouncement } from './write-back';
import type { PipelineDeps } from './competency-pipeline';
import { recomputeLearner, type CellRef, type Recomputed } from './recompute-cells';
import type { AnnouncementMark } from './writebacks.repository';
import type { CellDoc } from './evidence-cells.repository';
import type { ScoringSet } from './scoring-set';

/** The generations a change must reach: the active one, and the one a rebuild is writing. */
export interface Generations { active: number; building?: number }

export function generationList(g: Generations): number[] {
  return g.building === undefined ? [g.active] : [g.active, g.building];
}

/**
 * Writes evidence items to the evidence log (the record, for trails) and to the live cells states
 * are computed from. Both writes are idempotent; a crash between them is repaired by the retry.
 */
export async function writeEvidence(deps: PipelineDeps, store: string, generation: number, rows: Array<EvidenceItem & { frameworkId: string }>): Promise<void> {
  await Promise.all([deps.evidence.upsert(store, generation, rows), deps.cells.add(store, generation, rows)]);
}

export interface UpdateLearnerInput {
  store: string;
  generations: Generations;
  learnerId: string;
  cells: CellRef[] | 'all';
  set: ScoringSet;
  now: Date;
  only?: number;
  /** Per generation, the cells as the first round of the recomputation would read them (`RecomputeInput.firstRead`). */
  firstRead?: ReadonlyMap<number, CellDoc[]>;
}

/**
 * What {@link recomputeGenerations} computed in the active generation (null: not recomputed there),
 * with the announcement marks of its cells when write-back is on.
 */
export type ActiveRecomputation = (Recomputed & { alongside?: Map<string, AnnouncementMark> }) | null;

/**
 * After a change to a learner's evidence: recomputes the touched cells in every live generation
 * and, in the active one, writes back validations that came into force. Everything here is
 * derived from the evidence, so running it again (a retried job) changes nothing.
 */
export async function updateLearner(deps: PipelineDeps, input: UpdateLearnerInput): Promise<void> {
  await announceRecomputed(deps, input, await recomputeGenerations(deps, input));
}

/** The first half of {@link updateLearner}: recomputes every live generation (side by side). */
export async function recomputeGenerations(deps: PipelineDeps, input: UpdateLearnerInput): Promise<ActiveRecomputation> {
  const generations = generationList(input.generations).filter((g) => input.only === undefined || g === input.only);
  // The write-back's marks are read beside the active recomputation's last read (one step less).
  const marksOf = deps.announce === undefined ? undefined : (r: Recomputed) => deps.writebacks.marks(announcementResults(r).map((x) => markId(input.store, input.learnerId, x.frameworkId, x.competencyId)));
  const results = await Promise.all(generations.map((generation) => recomputeLearner(deps, { store: input.store, generation, learnerId: input.learnerId, cells: input.cells, set: input.set, now: input.now, firstRead: input.firstRead?.get(generation) }, generation === input.generations.active ? marksOf : undefined)));
  const k = generations.indexOf(input.generations.active);
  return k < 0 ? null : (results[k] as NonNullable<ActiveRecomputation>);
}

/** The second half of {@link updateLearner}: write-back of what the active generation's recomputation validated. */
export async function announceRecomputed(deps: PipelineDeps, input: UpdateLearnerInput, result: ActiveRecomputation): Promise<void> {
  if (result === null || deps.announce === undefined) return;
  await announce(deps, { store: input.store, learnerId: input.learnerId, set: input.set, results: announcementResults(result), marks: result.alongside });
}

type AnnouncementResult = { frameworkId: string; competencyId: string; current: CompetencyState | CompetencyStanding; evidence: EvidenceItem[] };

function announcementResults(result: Recomputed): AnnouncementResult[] {
  return [
    ...result.states.map((s) => ({ frameworkId: s.frameworkId, competencyId: s.state.competencyId, current: s.state, evidence: s.evidence })),
    ...result.rollups.map((s) => ({ frameworkId: s.frameworkId, competencyId: s.standing.competencyId, current: s.standing, evidence: s.evidence })),
  ];
}

/**
 * Writes back validations that came into force, once per validation episode: a cell is announced
 * when it is validated and the last announcement is missing, was followed by a loss of validation
 * (expiry, voided evidence), was at another level, or predates a later validation event of the
 * leaf's timeline (renewal, upgrade). A late statement that merely moves an episode's replayed
 * start is not a new episode. Marks are read in one round trip (or were, beside the recomputation's
 * last read); they are written only on change.
 */
async function announce(deps: PipelineDeps, input: { store: string; learnerId: string; set: ScoringSet; results: AnnouncementResult[]; marks?: Map<string, AnnouncementMark> }): Promise<void> {
  const { store, learnerId } = input;
  const announceOne = deps.announce as NonNullable<PipelineDeps['announce']>;
  const marks = input.marks ?? (await deps.writebacks.marks(input.results.map((r) => markId(store, learnerId, r.frameworkId, r.competencyId))));
  for (const r of input.results) {
    const id = markId(store, learnerId, r.frameworkId, r.competencyId);
    const mark = marks.get(id);
    const events = 'validations' in r.current ? r.current.validations.length : 0;
    const base = { _id: id, store, learnerId, frameworkId: r.frameworkId, competencyId: r.competencyId, updatedAt: deps.now() };
    if (!r.current.validated) {
      if (mark?.validated) await deps.writebacks.setMark({ ...mark, ...base, validated: false, events });
      continue;
    }
    const isNew = mark === undefined || !mark.validated || mark.level !== r.current.validatedLevel || events > mark.events;
    if (!isNew) continue;
    const sf = input.set.byId.get(r.frameworkId);
    const competency = sf?.byId.get(r.competencyId);
    if (sf === undefined || competency === undefined) continue;
    const ordinal = (mark?.announced ?? 0) + 1;
    const a = validatedAnnouncement({ store, learnerId, framework: sf.framework, competency, state: r.current, evidence: r.evidence, ordinal });
    if (a === null) continue;
    try {
      await announceOne(a);
    } catch (err) {
      // MongoDB or Redis trouble fails the job (it is retried, and the announcement with it);
      // anything else is a bug in the statement we build, which must not stop scoring.
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || code === 'SERVICE_UNAVAILABLE' || code === 'INTERNAL') throw err;
      deps.logger?.error({ err, store, learnerId, competencyId: r.competencyId }, 'write-back statement refused by the LRS');
    }
    await deps.writebacks.setMark({ ...base, validated: true, level: r.current.validatedLevel, events, announced: ordinal });
  }
}

/**
 * Retracts the evidence of statements (voiding) in every live generation and recomputes the cells
 * it touched. The log's rows are looked up whether or not they are already retracted, so a retry
 * after a crash between the steps still removes and recomputes everything.
 */
export async function retractStatements(deps: PipelineDeps, input: { store: string; generations: Generations; statementIds: string[]; by: string; set: ScoringSet; now: Date }): Promise<number> {
  let touched = 0;
  for (const generation of generationList(input.generations)) {
    const rows = await deps.evidence.cellsOf(input.store, generation, input.statementIds);
    if (rows.length === 0) continue;
    await Promise.all([deps.evidence.retract(input.store, generation, input.statementIds, input.by, input.now), deps.cells.remove(input.store, generation, rows)]);
    const byLearner = new Map<string, CellRef[]>();
    for (const c of rows) byLearner.set(c.learnerId, [...(byLearner.get(c.learnerId) ?? []), { frameworkId: c.frameworkId, competencyId: c.competencyId }]);
    for (const [learnerId, learnerCells] of byLearner) {
      await updateLearner(deps, { store: input.store, generations: input.generations, only: generation, learnerId, cells: learnerCells, set: input.set, now: input.now });
    }
    touched += rows.length;
  }
  return touched;
}
