import { computeState, rollupCompetency, type CompetencyStanding, type CompetencyState } from '../engine';
import type { EvidenceDoc, EvidenceRepository } from './evidence.repository';
import type { StatesRepository } from './states.repository';
import type { RollupsRepository } from './rollups.repository';
import type { ScoringSeqsRepository } from './scoring-seqs.repository';
import type { ScoringFramework, ScoringSet } from './scoring-set';

/** A (framework, competency) pair of one learner. */
export interface CellRef { frameworkId: string; competencyId: string }

export interface RecomputeDeps {
  evidence: EvidenceRepository;
  states: StatesRepository;
  rollups: RollupsRepository;
  seqs: ScoringSeqsRepository;
}

export interface RecomputeInput {
  store: string;
  generation: number;
  learnerId: string;
  /** The cells whose evidence changed, or `all` for every cell the learner has evidence in. */
  cells: CellRef[] | 'all';
  set: ScoringSet;
  now: Date;
}

/** A recomputed leaf state; `written` is false when a newer computation had already been stored. */
export interface RecomputedState {
  frameworkId: string;
  state: CompetencyState;
  written: boolean;
  /** The live evidence the state was computed from. */
  evidence: EvidenceDoc[];
}

export interface RecomputedRollup {
  frameworkId: string;
  standing: CompetencyStanding;
  written: boolean;
  evidence: EvidenceDoc[];
}

const cellKey = (frameworkId: string, competencyId: string) => `${frameworkId}\u0000${competencyId}`;

/**
 * Recomputes a learner's states from the evidence log: each touched leaf from its live evidence
 * (`computeState`, order-independent, so replays and late statements agree), and every ancestor that
 * rolls up from its children (`rollupCompetency`) from the leaf states of its subtree. Writes are
 * ordered by the learner's scoring sequence (see `scoring-seqs.repository.ts`), so concurrent jobs
 * for one learner cannot leave a stale state behind. Cells of a competency the current framework no
 * longer has are left as they are.
 */
export async function recomputeLearner(deps: RecomputeDeps, input: RecomputeInput): Promise<{ states: RecomputedState[]; rollups: RecomputedRollup[] }> {
  const { store, generation, learnerId, set, now } = input;
  // Drawn before reading the evidence, after the caller wrote its own.
  const seq = await deps.seqs.next(store, learnerId);

  let evidence: EvidenceDoc[];
  let cells: CellRef[];
  if (input.cells === 'all') {
    evidence = await deps.evidence.forLearner(store, generation, learnerId);
    cells = uniqueCells(evidence);
  } else {
    cells = dedupe(input.cells);
    const withRollups = [...new Set(cells.filter((c) => (set.byId.get(c.frameworkId)?.rollupAncestors.get(c.competencyId)?.length ?? 0) > 0).map((c) => c.frameworkId))];
    // A roll-up needs every leaf of its subtree: read the learner's whole framework then.
    evidence = withRollups.length > 0
      ? [
        ...await deps.evidence.forLearner(store, generation, learnerId, withRollups),
        ...await deps.evidence.forCells(store, generation, learnerId, cells.filter((c) => !withRollups.includes(c.frameworkId))),
      ]
      : await deps.evidence.forCells(store, generation, learnerId, cells);
  }
  const byCell = new Map<string, EvidenceDoc[]>();
  for (const e of evidence) {
    const k = cellKey(e.frameworkId, e.competencyId);
    const list = byCell.get(k);
    if (list === undefined) byCell.set(k, [e]);
    else list.push(e);
  }

  const computed = new Map<string, CompetencyState>();
  const stateOf = (sf: ScoringFramework, competencyId: string): CompetencyState | undefined => {
    const k = cellKey(sf.framework.id, competencyId);
    let s = computed.get(k);
    const competency = sf.byId.get(competencyId);
    if (s === undefined && competency !== undefined) {
      s = computeState({ competency, learnerId, evidence: byCell.get(k) ?? [], now });
      computed.set(k, s);
    }
    return s;
  };

  const stateRows: Array<{ frameworkId: string; frameworkVersion: number; state: CompetencyState; evidence: EvidenceDoc[] }> = [];
  const rollupTargets = new Map<string, Set<string>>();
  for (const c of cells) {
    const sf = set.byId.get(c.frameworkId);
    if (sf === undefined || !sf.byId.has(c.competencyId)) continue;
    const state = stateOf(sf, c.competencyId) as CompetencyState;
    stateRows.push({ frameworkId: c.frameworkId, frameworkVersion: sf.frameworkVersion, state, evidence: byCell.get(cellKey(c.frameworkId, c.competencyId)) ?? [] });
    for (const p of sf.rollupAncestors.get(c.competencyId) ?? []) {
      let targets = rollupTargets.get(c.frameworkId);
      if (targets === undefined) rollupTargets.set(c.frameworkId, (targets = new Set()));
      targets.add(p);
    }
  }

  const rollupRows: Array<{ learnerId: string; frameworkId: string; frameworkVersion: number; standing: CompetencyStanding; evidence: EvidenceDoc[] }> = [];
  for (const [frameworkId, targets] of rollupTargets) {
    const sf = set.byId.get(frameworkId) as ScoringFramework;
    // Leaf states of this framework, for every competency the learner has evidence in.
    const states = new Map<string, CompetencyState>();
    for (const e of evidence) {
      if (e.frameworkId !== frameworkId || states.has(e.competencyId)) continue;
      const s = stateOf(sf, e.competencyId);
      if (s !== undefined) states.set(e.competencyId, s);
    }
    for (const competencyId of targets) {
      const standing = rollupCompetency({ framework: sf.framework, states, competencyId, now });
      const inSubtree = evidence.filter((e) => e.frameworkId === frameworkId && (sf.rollupAncestors.get(e.competencyId) ?? []).includes(competencyId));
      rollupRows.push({ learnerId, frameworkId, frameworkVersion: sf.frameworkVersion, standing, evidence: inSubtree });
    }
  }

  const [stateWritten, rollupWritten] = await Promise.all([
    deps.states.putIfNewer(store, generation, stateRows, seq, now),
    deps.rollups.putIfNewer(store, generation, rollupRows, seq, now),
  ]);
  return {
    states: stateRows.map((r, i) => ({ frameworkId: r.frameworkId, state: r.state, written: stateWritten[i] ?? false, evidence: r.evidence })),
    rollups: rollupRows.map((r, i) => ({ frameworkId: r.frameworkId, standing: r.standing, written: rollupWritten[i] ?? false, evidence: r.evidence })),
  };
}

function dedupe(cells: CellRef[]): CellRef[] {
  const seen = new Map<string, CellRef>();
  for (const c of cells) seen.set(cellKey(c.frameworkId, c.competencyId), c);
  return [...seen.values()];
}

function uniqueCells(evidence: EvidenceDoc[]): CellRef[] {
  return dedupe(evidence.map((e) => ({ frameworkId: e.frameworkId, competencyId: e.competencyId })));
}
