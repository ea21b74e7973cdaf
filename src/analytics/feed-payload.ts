import type { CompetencyStanding, CompetencyState } from '../engine';

/**
 * What the analytics feed carries: the compact form of each written cell, so readers apply a
 * change without reading `competency_states` back (which the stand-in could only scan).
 * Plain arrays and short keys: level ids are author-chosen (dots allowed), so they are never
 * used as field names.
 */

/** One validation event: `[levelId, validatedAt, validUntil | null]`. */
export type CompactValidation = [string, number, number | null];

/** The analytics-relevant part of a leaf state or a roll-up standing. */
export interface CompactCell {
  /** Estimated level (latest score), `null` for none. */
  lv: string | null;
  s: number | null;
  /** Credible interval `[lo, hi]`. */
  i: [number, number] | null;
  /** Evidence count (roll-ups: 0). */
  n: number;
  /** Scenario evidence items among them. */
  sc: number;
  /** Validated when computed, validated level, start and end of the latest validation. */
  v: boolean;
  vl: string | null;
  va: number | null;
  vu: number | null;
  rd: number | null;
  /** Every validation event, oldest first (leaves only). */
  h: CompactValidation[];
  /** First validation at or above each level: `[levelId, at]` (leaves only). */
  fv: Array<[string, number]>;
  /** Roll-up standing rather than a leaf state. */
  r?: true;
}

/** A written cell: `d` null when the cell was deleted (no live evidence left). */
export interface CompactRow { f: string; c: string; d: CompactCell | null }

/** A completion-verb statement (path completion), or the void of one. */
export interface CompletionRecord { id: string; actor: string; activity: string; verb: string; stored: number }

/** The written cells of one learner. */
export interface CellGroup { l: string; rows: CompactRow[] }

export type FeedPayload =
  /** Cells of learner `l`, and of further learners in `more` (appends batched into one entry). */
  | { k: 'cells'; l: string; rows: CompactRow[]; more?: CellGroup[] }
  | { k: 'learners'; ids: string[] }
  | { k: 'completions'; add: CompletionRecord[]; voids: string[] };

/** Every learner's cells of a `cells` entry, in order. */
export function cellGroups(p: Extract<FeedPayload, { k: 'cells' }>): CellGroup[] {
  return [{ l: p.l, rows: p.rows }, ...(p.more ?? [])];
}

export function compactState(s: CompetencyState): CompactCell {
  return {
    lv: s.level,
    s: s.score,
    i: [s.interval[0], s.interval[1]],
    n: s.evidenceCount,
    sc: s.bySource?.scenario?.count ?? 0,
    v: s.validated,
    vl: s.validatedLevel,
    va: s.validatedAt,
    vu: s.validUntil,
    rd: s.reassessmentDueAt,
    h: s.validations.map((e) => [e.levelId, e.validatedAt, e.validUntil]),
    fv: Object.entries(s.firstValidatedAt),
  };
}

export function compactStanding(s: CompetencyStanding): CompactCell {
  return {
    lv: s.level,
    s: s.score,
    i: s.interval === null ? null : [s.interval[0], s.interval[1]],
    n: 0,
    sc: 0,
    v: s.validated,
    vl: s.validatedLevel,
    va: s.validatedAt,
    vu: s.validUntil,
    rd: null,
    h: [],
    fv: [],
    r: true,
  };
}
