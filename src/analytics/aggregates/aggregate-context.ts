import type { MappingRule } from '../../engine';
import type { AnalyticsSnapshot, LearnerRow } from '../analytics-snapshot';
import type { FrameworkIndex } from '../framework-index';
import type { FrameworkView } from '../framework-view';

/** What every aggregate is computed from: the learners in scope and the window. */
export interface AggregateContext {
  snapshot: AnalyticsSnapshot;
  ix: FrameworkIndex;
  /** The framework's cells, columnar (what the all-learner aggregates read). */
  view: FrameworkView;
  rules: MappingRule[];
  /** Learners matching the filters, ascending by id. */
  learners: LearnerRow[];
  /** `to` (epoch ms): the instant validation is judged at. */
  at: number;
  /** `from` (epoch ms) or null for the beginning of time. */
  from: number | null;
  /** The attribute filters given. */
  filters: { role?: string; team?: string; cohort?: string; manager?: string };
  /** The request's clock. */
  now: number;
}

/** A CSV-ready table: a header and rows of plain values (null = empty field). */
export interface Table {
  columns: string[];
  rows: Array<Array<string | number | boolean | null>>;
}

export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);
