/**
 * An in-memory copy of what the analytics aggregate for one store: every learner (attributes and
 * identities), the compact state of every (learner, framework, competency) cell of the active
 * scoring generation, the live scenario evidence and the completion-verb statements. Pure data and
 * the functions that apply changes to it; `snapshot-source.ts` loads and refreshes it from MongoDB.
 *
 * Why a copy: on the MongoDB stand-in only `_id` and whole-unique-key lookups use an index, so any
 * aggregate read of `competency_states` is a collection scan (≈1 s per 200,000 documents here),
 * far over the 300 ms budget at 10,000 learners. The copy is loaded once per API process and kept
 * exact by replaying the analytics feed (`analytics-feed.repository.ts`) before every answer.
 */
import type { Framework } from '../engine';
import type { CompactCell, CompactRow, CompletionRecord } from './feed-payload';
import { FrameworkView } from './framework-view';

/** One piece of live scenario evidence. */
export interface ScenarioItem { statementId: string; ruleId: string; value: number; observedAt: number }

export interface LearnerRow {
  learnerId: string;
  /** Row of the learner in every {@link FrameworkView} of the snapshot. */
  row: number;
  name: string | null;
  role: string | null;
  team: string | null;
  cohort: string | null;
  manager: string | null;
  /** `roleAssignedAt` in epoch ms, null when absent or unparseable. */
  assignedAt: number | null;
  implicit: boolean;
  identities: string[];
  /** frameworkId → competencyId → cell. */
  cells: Map<string, Map<string, CompactCell>>;
  /** frameworkId → competencyId → live scenario evidence of the cell. */
  scenario: Map<string, Map<string, ScenarioItem[]>>;
}

/** A learner document as stored (`learners.repository.ts`), the fields used here. */
export interface LearnerSource {
  learnerId: string;
  identities?: string[];
  implicit?: boolean;
  attributes?: { name?: string; role?: string; team?: string; cohort?: string; manager?: string; roleAssignedAt?: string };
}

export const cellKey = (frameworkId: string, competencyId: string) => `${frameworkId}\u0000${competencyId}`;

const EMPTY_CELLS: ReadonlyMap<string, CompactCell> = new Map();

export class AnalyticsSnapshot {
  readonly learners = new Map<string, LearnerRow>();
  /** Identity (IFI key) → explicit learner id, for completion statements. */
  readonly identityOwner = new Map<string, string>();
  readonly completions = new Map<string, CompletionRecord>();
  /** Statements seen voided in the feed: a completion arriving later with one of these ids stays out. */
  readonly voided = new Set<string>();
  /** Statement id → object activity id, for scenario evidence whose rule names several activities. */
  readonly activityOf = new Map<string, string | null>();
  /** `learnerId\0frameworkId\0competencyId` → first live evidence time (filled on demand). */
  readonly firstEvidence = new Map<string, number | null>();
  private sortedIds: string[] | null = null;
  private nextRow = 0;
  private readonly views = new Map<string, FrameworkView>();
  private readonly strings = new Map<string, string>();

  constructor(readonly store: string, readonly generation: number) {}

  /**
   * One instance per distinct string (ids and level ids repeat hundreds of thousands of times):
   * less memory, and map lookups compare and hash one instance instead of many copies.
   */
  intern<T extends string | null>(s: T): T {
    if (s === null) return s;
    const known = this.strings.get(s);
    if (known !== undefined) return known as T;
    this.strings.set(s, s);
    return s;
  }

  private internCell(cell: CompactCell): CompactCell {
    cell.lv = this.intern(cell.lv);
    cell.vl = this.intern(cell.vl);
    for (const e of cell.h) e[0] = this.intern(e[0]);
    for (const e of cell.fv) e[0] = this.intern(e[0]);
    return cell;
  }

  /** Learner ids in ascending order (kept until learners are added or removed). */
  learnerIds(): string[] {
    this.sortedIds ??= [...this.learners.keys()].sort();
    return this.sortedIds;
  }

  cellsOf(learner: LearnerRow, frameworkId: string): ReadonlyMap<string, CompactCell> {
    return learner.cells.get(frameworkId) ?? EMPTY_CELLS;
  }

  /** Creates or updates a learner from its stored document. */
  putLearner(doc: LearnerSource): LearnerRow {
    let row = this.learners.get(doc.learnerId);
    if (row === undefined) {
      row = { learnerId: doc.learnerId, row: this.nextRow++, name: null, role: null, team: null, cohort: null, manager: null, assignedAt: null, implicit: false, identities: [], cells: new Map(), scenario: new Map() };
      this.learners.set(doc.learnerId, row);
      this.sortedIds = null;
    }
    for (const identity of row.identities) if (this.identityOwner.get(identity) === row.learnerId) this.identityOwner.delete(identity);
    const a = doc.attributes ?? {};
    row.name = a.name ?? null;
    row.role = this.intern(a.role ?? null);
    row.team = this.intern(a.team ?? null);
    row.cohort = this.intern(a.cohort ?? null);
    row.manager = this.intern(a.manager ?? null);
    const assigned = a.roleAssignedAt === undefined ? NaN : Date.parse(a.roleAssignedAt);
    row.assignedAt = Number.isNaN(assigned) ? null : assigned;
    row.implicit = doc.implicit === true;
    row.identities = doc.identities ?? [];
    if (!row.implicit) {
      for (const identity of row.identities) {
        this.identityOwner.set(identity, row.learnerId);
        // A relink moved an implicit learner's evidence here and deleted it (and its states).
        this.removeLearner(`implicit:${identity}`);
      }
    }
    return row;
  }

  /** A learner known only from a state change (an implicit learner created by scoring). */
  placeholder(learnerId: string): LearnerRow {
    return this.learners.get(learnerId) ?? this.putLearner({ learnerId, implicit: learnerId.startsWith('implicit:'), identities: learnerId.startsWith('implicit:') ? [learnerId.slice('implicit:'.length)] : [] });
  }

  removeLearner(learnerId: string): void {
    const row = this.learners.get(learnerId);
    if (row === undefined) return;
    for (const identity of row.identities) if (this.identityOwner.get(identity) === learnerId) this.identityOwner.delete(identity);
    this.learners.delete(learnerId);
    this.sortedIds = null;
  }

  /** The columnar view of a framework version, built on first use and kept current by {@link applyCells}. */
  view(framework: Framework, version: number): FrameworkView {
    const existing = this.views.get(framework.id);
    if (existing !== undefined && existing.version === version) return existing;
    const view = new FrameworkView(framework, version);
    view.grow(this.nextRow + 64);
    for (const l of this.learners.values()) {
      const cells = l.cells.get(framework.id);
      if (cells !== undefined) for (const [competencyId, cell] of cells) view.set(l.row, competencyId, cell);
      const scenario = l.scenario.get(framework.id);
      if (scenario !== undefined) for (const [competencyId, items] of scenario) view.setScenario(l.row, competencyId, items);
    }
    this.views.set(framework.id, view);
    return view;
  }

  /** Applies written cells of one learner. Returns the cells whose scenario evidence may have changed. */
  applyCells(learnerId: string, rows: readonly CompactRow[]): Array<{ frameworkId: string; competencyId: string }> {
    // A job that resolved an identity before a learner claimed it may still write the implicit
    // learner's states; scoring then moves them to the owner, so they never count.
    if (learnerId.startsWith('implicit:') && this.identityOwner.has(learnerId.slice('implicit:'.length))) return [];
    const learner = this.placeholder(learnerId);
    const touched: Array<{ frameworkId: string; competencyId: string }> = [];
    for (const written of rows) {
      const row = { f: this.intern(written.f), c: this.intern(written.c), d: written.d === null ? null : this.internCell(written.d) };
      let byCompetency = learner.cells.get(row.f);
      this.firstEvidence.delete(`${learnerId}\u0000${cellKey(row.f, row.c)}`);
      this.views.get(row.f)?.set(learner.row, row.c, row.d);
      const scenario = learner.scenario.get(row.f);
      if (row.d === null) {
        byCompetency?.delete(row.c);
        if (scenario?.delete(row.c) === true) this.views.get(row.f)?.setScenario(learner.row, row.c, []);
        continue;
      }
      if (byCompetency === undefined) learner.cells.set(row.f, (byCompetency = new Map()));
      byCompetency.set(row.c, row.d);
      if (row.d.sc > 0 || scenario?.has(row.c) === true) touched.push({ frameworkId: row.f, competencyId: row.c });
    }
    return touched;
  }

  /** Replaces the scenario evidence of one cell. */
  setScenario(learnerId: string, frameworkId: string, competencyId: string, items: ScenarioItem[]): void {
    const learner = this.learners.get(learnerId);
    if (learner === undefined) return;
    this.views.get(frameworkId)?.setScenario(learner.row, competencyId, items);
    let byCompetency = learner.scenario.get(frameworkId);
    if (items.length === 0) {
      byCompetency?.delete(competencyId);
      return;
    }
    if (byCompetency === undefined) learner.scenario.set(this.intern(frameworkId), (byCompetency = new Map()));
    for (const e of items) e.ruleId = this.intern(e.ruleId);
    byCompetency.set(this.intern(competencyId), items);
  }

  applyCompletions(add: readonly CompletionRecord[], voids: readonly string[]): void {
    for (const id of voids) {
      this.voided.add(id);
      this.completions.delete(id);
    }
    for (const c of add) if (!this.voided.has(c.id)) this.completions.set(c.id, c);
  }

  /** The learner a statement's actor counts for (as scoring resolves it). */
  learnerOfActor(actor: string): string {
    return this.identityOwner.get(actor) ?? `implicit:${actor}`;
  }

  /** Number of cells held, for logs and the benchmark. */
  cellCount(): number {
    let n = 0;
    for (const l of this.learners.values()) for (const m of l.cells.values()) n += m.size;
    return n;
  }
}
