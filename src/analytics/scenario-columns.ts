/**
 * The live scenario evidence of one framework in flat typed arrays, one entry per item, so that
 * scenario accuracy reads 350,000 items sequentially instead of chasing an object per item (which
 * cost ~100 ms per pass here). Items of one cell are appended together; replacing a cell's items
 * marks the old entries dead and appends the new ones, and the arrays are compacted when more than
 * half are dead. Kept in step with the snapshot by `AnalyticsSnapshot.setScenario`.
 */
import type { ScenarioItem } from './analytics-snapshot';

export class ScenarioColumns {
  size = 0;
  dead = 0;
  row = new Int32Array(0);
  col = new Int32Array(0);
  rule = new Int32Array(0);
  value = new Float64Array(0);
  at = new Float64Array(0);
  alive = new Uint8Array(0);
  statement: string[] = [];
  /** Rule ids by index. */
  readonly rules: string[] = [];
  private readonly ruleIndex = new Map<string, number>();
  /** Slot (`row × cols + col`) → indexes of its items. */
  private readonly cells = new Map<number, number[]>();

  constructor(private readonly cols: number) {}

  private grow(n: number): void {
    if (n <= this.row.length) return;
    const capacity = Math.max(n, Math.ceil(this.row.length * 1.5), 4096);
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: (k: number) => T): T => {
      const next = make(capacity);
      next.set(old.subarray(0, this.size));
      return next;
    };
    this.row = grow(this.row, (k) => new Int32Array(k));
    this.col = grow(this.col, (k) => new Int32Array(k));
    this.rule = grow(this.rule, (k) => new Int32Array(k));
    this.value = grow(this.value, (k) => new Float64Array(k));
    this.at = grow(this.at, (k) => new Float64Array(k));
    this.alive = grow(this.alive, (k) => new Uint8Array(k));
  }

  ruleOf(id: string): number {
    let k = this.ruleIndex.get(id);
    if (k === undefined) {
      k = this.rules.length;
      this.rules.push(id);
      this.ruleIndex.set(id, k);
    }
    return k;
  }

  /** Replaces the items of one cell (`col` is the competency's column). */
  set(row: number, col: number, items: readonly ScenarioItem[]): void {
    const slot = row * this.cols + col;
    const old = this.cells.get(slot);
    if (old !== undefined) {
      for (const k of old) this.alive[k] = 0;
      this.dead += old.length;
      this.cells.delete(slot);
    }
    if (items.length > 0) {
      this.grow(this.size + items.length);
      const added: number[] = [];
      for (const e of items) {
        const k = this.size++;
        this.row[k] = row;
        this.col[k] = col;
        this.rule[k] = this.ruleOf(e.ruleId);
        this.value[k] = e.value;
        this.at[k] = e.observedAt;
        this.alive[k] = 1;
        this.statement[k] = e.statementId;
        added.push(k);
      }
      this.cells.set(slot, added);
    }
    if (this.dead > 10_000 && this.dead * 2 > this.size) this.compact();
  }

  private compact(): void {
    let w = 0;
    this.cells.clear();
    for (let k = 0; k < this.size; k++) {
      if (this.alive[k] !== 1) continue;
      this.row[w] = this.row[k] as number;
      this.col[w] = this.col[k] as number;
      this.rule[w] = this.rule[k] as number;
      this.value[w] = this.value[k] as number;
      this.at[w] = this.at[k] as number;
      this.alive[w] = 1;
      this.statement[w] = this.statement[k] as string;
      const slot = (this.row[w] as number) * this.cols + (this.col[w] as number);
      const list = this.cells.get(slot);
      if (list === undefined) this.cells.set(slot, [w]);
      else list.push(w);
      w++;
    }
    this.statement.length = w;
    this.size = w;
    this.dead = 0;
  }
}
