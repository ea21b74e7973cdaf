/**
 * A dense, columnar copy of one framework's cells: one row per learner (its `row` in the
 * snapshot), one column per competency of the framework version, numbers in typed arrays. The
 * aggregates over all learners read these instead of following `Map → object → array → string`
 * per cell, which on 10,000 × 25 required cells was the difference between ~300 ms and a few.
 * Kept in step with the snapshot's objects by `AnalyticsSnapshot.applyCells`.
 *
 * Validity at an instant needs a cell's validation history; the last two events are kept here
 * (almost every cell has at most two), older ones are looked up in the cell object.
 */
import type { Framework } from '../engine';
import type { ScenarioItem } from './analytics-snapshot';
import type { CompactCell } from './feed-payload';
import { ScenarioColumns } from './scenario-columns';

export const ABSENT = 0;
export const LEAF = 1;
export const ROLLUP = 2;

export class FrameworkView {
  readonly cols: number;
  readonly columnOf: Map<string, number>;
  /** Level positions per column. */
  readonly levels: Array<Map<string, number>>;
  /** Most levels any competency has (stride of `fv`). */
  readonly maxLevels: number;
  capacity = 0;
  kind = new Uint8Array(0);
  /** Estimated level (latest score), -1 none. */
  level = new Int8Array(0);
  score = new Float64Array(0);
  /** Latest validation event: level (-1 none; roll-ups not validated when computed: -1), start, end (NaN: never). */
  lvl1 = new Int8Array(0);
  va1 = new Float64Array(0);
  vu1 = new Float64Array(0);
  /** The event before it. */
  lvl2 = new Int8Array(0);
  va2 = new Float64Array(0);
  vu2 = new Float64Array(0);
  /** More than two events: older ones are in the cell object. */
  older = new Uint8Array(0);
  /** First validation at or above each level (NaN: never), `maxLevels` per cell. */
  fv = new Float64Array(0);

  /** The framework's live scenario evidence. */
  readonly scenario: ScenarioColumns;

  constructor(readonly framework: Framework, readonly version: number) {
    this.cols = framework.competencies.length;
    this.scenario = new ScenarioColumns(this.cols);
    this.columnOf = new Map(framework.competencies.map((c, i) => [c.id, i] as const));
    this.levels = framework.competencies.map((c) => new Map(c.scale.levels.map((l, i) => [l.id, i] as const)));
    this.maxLevels = Math.max(1, ...framework.competencies.map((c) => c.scale.levels.length));
  }

  /** Makes room for `rows` learner rows (the snapshot sizes a new view to its learners). */
  grow(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.max(rows, Math.ceil(this.capacity * 1.25), 256);
    const cells = capacity * this.cols;
    const copy = <T extends Uint8Array | Int8Array | Float64Array>(old: T, make: (n: number) => T, fill?: number): T => {
      const next = make(cells * (old === (this.fv as unknown) ? this.maxLevels : 1));
      if (fill !== undefined) next.fill(fill);
      next.set(old);
      return next;
    };
    this.kind = copy(this.kind, (n) => new Uint8Array(n));
    this.level = copy(this.level, (n) => new Int8Array(n), -1);
    this.score = copy(this.score, (n) => new Float64Array(n), NaN);
    this.lvl1 = copy(this.lvl1, (n) => new Int8Array(n), -1);
    this.va1 = copy(this.va1, (n) => new Float64Array(n), NaN);
    this.vu1 = copy(this.vu1, (n) => new Float64Array(n), NaN);
    this.lvl2 = copy(this.lvl2, (n) => new Int8Array(n), -1);
    this.va2 = copy(this.va2, (n) => new Float64Array(n), NaN);
    this.vu2 = copy(this.vu2, (n) => new Float64Array(n), NaN);
    this.older = copy(this.older, (n) => new Uint8Array(n));
    this.fv = copy(this.fv, (n) => new Float64Array(n), NaN);
    this.capacity = capacity;
  }

  /** Writes (or clears, with null) the cell of a learner row. */
  set(row: number, competencyId: string, cell: CompactCell | null): void {
    const col = this.columnOf.get(competencyId);
    if (col === undefined) return;
    this.grow(row + 1);
    const i = row * this.cols + col;
    const levels = this.levels[col] as Map<string, number>;
    const f = i * this.maxLevels;
    this.fv.fill(NaN, f, f + this.maxLevels);
    if (cell === null) {
      this.kind[i] = ABSENT;
      this.level[i] = -1;
      this.score[i] = NaN;
      this.lvl1[i] = this.lvl2[i] = -1;
      this.va1[i] = this.vu1[i] = this.va2[i] = this.vu2[i] = NaN;
      this.older[i] = 0;
      return;
    }
    this.kind[i] = cell.r === true ? ROLLUP : LEAF;
    this.level[i] = cell.lv === null ? -1 : (levels.get(cell.lv) ?? -1);
    this.score[i] = cell.s ?? NaN;
    const level = (id: string | null) => (id === null ? -1 : (levels.get(id) ?? -1));
    if (cell.r === true) {
      this.lvl1[i] = cell.v ? level(cell.vl) : -1;
      this.va1[i] = cell.va ?? NaN;
      this.vu1[i] = cell.vu ?? NaN;
      this.lvl2[i] = -1;
      this.va2[i] = this.vu2[i] = NaN;
      this.older[i] = 0;
    } else {
      const h = cell.h;
      const e1 = h[h.length - 1];
      const e2 = h[h.length - 2];
      this.lvl1[i] = e1 === undefined ? -1 : level(e1[0]);
      this.va1[i] = e1 === undefined ? NaN : e1[1];
      this.vu1[i] = e1?.[2] ?? NaN;
      this.lvl2[i] = e2 === undefined ? -1 : level(e2[0]);
      this.va2[i] = e2 === undefined ? NaN : e2[1];
      this.vu2[i] = e2?.[2] ?? NaN;
      this.older[i] = h.length > 2 ? 1 : 0;
      for (const [id, at] of cell.fv) {
        const k = levels.get(id);
        if (k !== undefined) this.fv[f + k] = at;
      }
    }
  }

  /** Replaces a cell's scenario evidence. */
  setScenario(row: number, competencyId: string, items: readonly ScenarioItem[]): void {
    const col = this.columnOf.get(competencyId);
    if (col !== undefined) this.scenario.set(row, col, items);
  }

  /**
   * Level position held at `t` in slot `i` (validated, started by `t`, not expired); -1 for none.
   * `older` gives the cell's full history when the two kept events do not decide it.
   */
  heldAt(i: number, t: number, learner?: { cells: Map<string, Map<string, CompactCell>> }): number {
    const va1 = this.va1[i] as number;
    if (va1 <= t) {
      const vu = this.vu1[i] as number;
      return Number.isNaN(vu) || t < vu ? (this.lvl1[i] as number) : -1;
    }
    if (this.kind[i] !== LEAF || Number.isNaN(va1)) return -1;
    const va2 = this.va2[i] as number;
    if (va2 <= t) {
      const vu = this.vu2[i] as number;
      return Number.isNaN(vu) || t < vu ? (this.lvl2[i] as number) : -1;
    }
    if (this.older[i] !== 1 || learner === undefined) return -1;
    const cell = learner.cells.get(this.framework.id)?.get(this.framework.competencies[i % this.cols]?.id ?? '');
    if (cell === undefined) return -1;
    const levels = this.levels[i % this.cols] as Map<string, number>;
    for (let k = cell.h.length - 1; k >= 0; k--) {
      const e = cell.h[k] as [string, number, number | null];
      if (e[1] <= t) return e[2] === null || t < e[2] ? (levels.get(e[0]) ?? -1) : -1;
    }
    return -1;
  }
}
