import { computeState, rollupCompetency, type CompetencyStanding, type CompetencyState, type EvidenceItem } from '../engine';
import type { CellDoc, EvidenceCellsRepository } from './evidence-cells.repository';
import type { StatesRepository } from './states.repository';
import type { RollupsRepository } from './rollups.repository';
import type { ScoringFramework, ScoringSet } from './scoring-set';

/** A (framework, competency) pair of one learner. */
export interface CellRef { frameworkId: string; competencyId: string }

export interface RecomputeDeps {
  cells: EvidenceCellsRepository;
  states: StatesRepository;
  rollups: RollupsRepository;
}

export interface RecomputeInput {
  store: string;
  generation: number;
  learnerId: string;
  /** The cells whose evidence changed, or `all` for every competency of every framework. */
  cells: CellRef[] | 'all';
  set: ScoringSet;
  now: Date;
  /**
   * The cells as the first round would read them (see `cellsAfterAdd`), when the caller read them
   * beside its own evidence write: the round's read is then skipped. Must cover {@link cellsToRead}.
   */
  firstRead?: CellDoc[];
}

/** A recomputed leaf state, with the live evidence it was computed from. */
export interface RecomputedState { frameworkId: string; state: CompetencyState; evidence: EvidenceItem[] }

/** A recomputed roll-up, with the live evidence of its subtree. */
export interface RecomputedRollup { frameworkId: string; standing: CompetencyStanding; evidence: EvidenceItem[] }

const cellKey = (frameworkId: string, competencyId: string) => `${frameworkId}\u0000${competencyId}`;

/** Rounds beyond this many mean evidence of one learner changes faster than we can compute. */
const MAX_ROUNDS = 100;

/**
 * Recomputes a learner's states from its live evidence: each touched leaf with `computeState`
 * (order-independent, so replays and late statements agree), and every ancestor that rolls up from
 * its children with `rollupCompetency` over the leaves of its subtree. Cells of a competency the
 * current framework no longer has are left as they are.
 *
 * Concurrency without transactions: jobs for one learner may interleave their evidence writes,
 * reads and state writes in any order. Every change of a cell's evidence bumps the cell's version
 * `v` in the same single-document update, and whoever changes evidence calls this afterwards. Each
 * round reads the cells (evidence and versions), writes the states, then reads the versions again.
 * Unchanged: any evidence written after our read lands after our second read, by a job that only
 * then recomputes the cells it touched (and their roll-ups), so its writes follow ours. Changed: our
 * read missed something, or our write may have overwritten a more complete state: round again.
 * The last write of every state is therefore computed from complete evidence, and only evidence
 * changes (not other recomputations) cause extra rounds. Every query is by `_id` or unique key.
 *
 * The second read starts once the states are written and their analytics feed entries have
 * positions (the feed's order follows this argument: see `feed-hooks.ts`), alongside the writes of
 * those entries. Both reads are coalesced with other jobs' (`storage/coalesce.ts`); the second
 * reads versions only, as the cells' evidence can be large.
 */
export interface Recomputed { states: RecomputedState[]; rollups: RecomputedRollup[] }

/**
 * `alongside`, when given, runs with each round's result beside that round's second read (e.g. the
 * write-back's read of announcement marks, which follows the states being written); the value of
 * the round that settled is returned with the result.
 */
export async function recomputeLearner<T = never>(deps: RecomputeDeps, input: RecomputeInput, alongside?: (result: Recomputed) => Promise<T>): Promise<Recomputed & { alongside?: T }> {
  const { store, generation, learnerId, set } = input;
  const wanted = expandCells(input.cells, set);
  for (let round = 1; ; round++) {
    const docs = round === 1 && input.firstRead !== undefined ? input.firstRead : await deps.cells.get(store, generation, learnerId, wanted.read);
    const byCell = new Map<string, EvidenceItem[]>();
    const seen = new Map<string, number>();
    for (const d of docs) {
      byCell.set(cellKey(d.frameworkId, d.competencyId), Object.values(d.items ?? {}));
      seen.set(d._id, d.v ?? 0);
    }
    const result = compute({ learnerId, set, byCell, leaves: wanted.leaves, rollups: wanted.rollups, now: input.now, onlyWithEvidence: input.cells === 'all' });
    const feed = await Promise.all([
      deps.states.putComputedSequenced(store, generation, result.states.map((r) => ({ frameworkId: r.frameworkId, frameworkVersion: set.byId.get(r.frameworkId)?.frameworkVersion ?? 0, state: r.state })), input.now),
      deps.rollups.putComputedSequenced(store, generation, result.rollups.map((r) => ({ learnerId, frameworkId: r.frameworkId, frameworkVersion: set.byId.get(r.frameworkId)?.frameworkVersion ?? 0, standing: r.standing })), input.now),
    ]);
    const extra = alongside?.(result);
    extra?.catch(() => undefined); // not awaited when the round does not settle
    const [after] = await Promise.all([deps.cells.versions(store, generation, learnerId, wanted.read), ...feed.map((f) => f.written)]);
    if ([...after].every(([id, v]) => v === (seen.get(id) ?? 0))) return extra === undefined ? result : { ...result, alongside: await extra };
    if (round >= MAX_ROUNDS) throw new Error(`learner ${learnerId}: states recomputed ${round} times without settling`);
  }
}

/** The cells a recomputation of these cells reads (their evidence, and that of their roll-ups' subtrees). */
export function cellsToRead(cells: CellRef[] | 'all', set: ScoringSet): CellRef[] {
  return expandCells(cells, set).read;
}

interface Wanted {
  /** Leaf cells to compute and store. */
  leaves: CellRef[];
  /** Roll-up parents to compute and store. */
  rollups: CellRef[];
  /** Cells whose evidence the computation needs (the leaves, and every cell under the roll-ups). */
  read: CellRef[];
}

function expandCells(cells: CellRef[] | 'all', set: ScoringSet): Wanted {
  const leaves = new Map<string, CellRef>();
  const rollups = new Map<string, CellRef>();
  const read = new Map<string, CellRef>();
  const add = (m: Map<string, CellRef>, c: CellRef) => m.set(cellKey(c.frameworkId, c.competencyId), c);
  const touched = cells === 'all'
    ? set.frameworks.flatMap((sf) => sf.framework.competencies.filter((c) => c.rollup === undefined).map((c) => ({ frameworkId: sf.framework.id, competencyId: c.id })))
    : cells;
  for (const c of touched) {
    const sf = set.byId.get(c.frameworkId);
    if (sf === undefined || !sf.byId.has(c.competencyId)) continue;
    add(leaves, c);
    add(read, c);
    for (const p of sf.rollupAncestors.get(c.competencyId) ?? []) {
      if (rollups.has(cellKey(c.frameworkId, p))) continue;
      add(rollups, { frameworkId: c.frameworkId, competencyId: p });
      for (const d of descendants(sf, p)) add(read, { frameworkId: c.frameworkId, competencyId: d });
    }
  }
  return { leaves: [...leaves.values()], rollups: [...rollups.values()], read: [...read.values()] };
}

function descendants(sf: ScoringFramework, parentId: string): string[] {
  return sf.framework.competencies.filter((c) => (sf.rollupAncestors.get(c.id) ?? []).includes(parentId) || c.parentId === parentId).map((c) => c.id);
}

// `onlyWithEvidence`: for `all`, cells without evidence are left out rather than deleted one by one.
function compute(input: { learnerId: string; set: ScoringSet; byCell: Map<string, EvidenceItem[]>; leaves: CellRef[]; rollups: CellRef[]; now: Date; onlyWithEvidence: boolean }) {
  const { learnerId, set, byCell, now } = input;
  const computed = new Map<string, CompetencyState>();
  const stateOf = (sf: ScoringFramework, competencyId: string): CompetencyState | undefined => {
    const k = cellKey(sf.framework.id, competencyId);
    let s = computed.get(k);
    const competency = sf.byId.get(competencyId);
    if (s === undefined && competency !== undefined && competency.rollup === undefined) {
      s = computeState({ competency, learnerId, evidence: byCell.get(k) ?? [], now });
      computed.set(k, s);
    }
    return s;
  };
  const states: RecomputedState[] = [];
  for (const c of input.leaves) {
    const sf = set.byId.get(c.frameworkId) as ScoringFramework;
    const state = stateOf(sf, c.competencyId);
    if (state !== undefined && !(input.onlyWithEvidence && state.evidenceCount === 0)) states.push({ frameworkId: c.frameworkId, state, evidence: byCell.get(cellKey(c.frameworkId, c.competencyId)) ?? [] });
  }
  const rollups: RecomputedRollup[] = [];
  for (const r of input.rollups) {
    const sf = set.byId.get(r.frameworkId) as ScoringFramework;
    const under = descendants(sf, r.competencyId);
    const leafStates = new Map<string, CompetencyState>();
    const evidence: EvidenceItem[] = [];
    for (const id of under) {
      const items = byCell.get(cellKey(r.frameworkId, id));
      if (items === undefined || items.length === 0) continue;
      const s = stateOf(sf, id);
      if (s !== undefined) leafStates.set(id, s);
      evidence.push(...items);
    }
    if (input.onlyWithEvidence && evidence.length === 0) continue;
    rollups.push({ frameworkId: r.frameworkId, standing: rollupCompetency({ framework: sf.framework, states: leafStates, competencyId: r.competencyId, now }), evidence });
  }
  return { states, rollups };
}
