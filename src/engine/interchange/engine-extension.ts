/**
 * What the interchange formats share: the engine settings a format has no field for (carried in
 * a format-specific extension: CASE `extensions`, SCD `lrs:engine`), the scale given to
 * competencies that arrive without one, and titles derived from long statements.
 */
import type { Competency, ProficiencyLevel } from '../types';

/** What our extension holds on a competency (CASE CFItem, SCD CompetencyDefinition). */
export interface EngineItemExtension {
  /** The competency id when it is not the item's own identifier. */
  id?: string;
  scale?: unknown;
  validationRule?: unknown;
  reassessmentIntervalDays?: number;
  reassessmentLeadDays?: number;
  halfLifeDays?: number;
  rollup?: unknown;
  indicators?: unknown;
}

/** What our extension holds on the framework (CASE CFDocument, SCD CompetencyFramework). */
export interface EngineDocumentExtension {
  id?: string;
  version?: string;
  roles?: unknown;
}

/** Scale of a competency that arrives with none: one level, `competent` at 0.7. */
export const DEFAULT_LEVELS: ProficiencyLevel[] = [{ id: 'competent', title: 'Competent', threshold: 0.7 }];

const TITLE_MAX = 1000;

/** A title from a statement: the statement, cut to 1000 characters when longer. */
export function titleFromStatement(statement: string): string {
  return statement.length > TITLE_MAX ? `${statement.slice(0, TITLE_MAX - 1)}…` : statement;
}

/** Drop `undefined` values so exported JSON has no empty keys. */
export function clean<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A copy of `o` without `keys`. */
export function without<T extends Record<string, unknown>>(o: T, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

/** The competency's engine settings, for the extension. */
export function engineSettings(c: Competency): EngineItemExtension {
  return clean({
    scale: c.scale,
    validationRule: c.validationRule,
    reassessmentIntervalDays: c.reassessmentIntervalDays,
    reassessmentLeadDays: c.reassessmentLeadDays,
    halfLifeDays: c.halfLifeDays,
    rollup: c.rollup,
    indicators: c.indicators,
  });
}

/** Puts the extension's engine settings on `c` (validated afterwards with the whole framework). */
export function applyEngineSettings(c: Competency, ext: EngineItemExtension): void {
  if (ext.scale !== undefined) c.scale = ext.scale as Competency['scale'];
  if (ext.validationRule !== undefined) c.validationRule = ext.validationRule as Competency['validationRule'];
  if (ext.indicators !== undefined) c.indicators = ext.indicators as Competency['indicators'];
  if (ext.rollup !== undefined) c.rollup = ext.rollup as Competency['rollup'];
  if (ext.halfLifeDays !== undefined) c.halfLifeDays = ext.halfLifeDays;
  if (ext.reassessmentIntervalDays !== undefined) c.reassessmentIntervalDays = ext.reassessmentIntervalDays;
  if (ext.reassessmentLeadDays !== undefined) c.reassessmentLeadDays = ext.reassessmentLeadDays;
}
