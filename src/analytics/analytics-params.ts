/**
 * Query parameters of /api/analytics: the common ones (framework, attribute filters, window,
 * format) and each endpoint's own, parsed with the /api parser so every problem is listed at once.
 */
import type { Request } from 'express';
import { AppError } from '../errors/app-error';
import { integer, oneOf, parseQuery, text, type ParamReader, type ParamSpec } from '../api/http/query';
import { COMPLETION_VERBS, SATISFIED } from './completions';
import { TTC_KEYS, type TtcKey } from './aggregates/time-to-competency';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time, or a `YYYY-MM-DD` day taken at its start or its end (UTC). */
export function instant(edge: 'start' | 'end'): ParamReader<number> {
  return (raw) => {
    if (DATE.test(raw)) {
      const t = Date.parse(`${raw}T00:00:00.000Z`);
      if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== raw) return { problem: 'is not a calendar date' };
      return { value: edge === 'start' ? t : t + 86_400_000 - 1 };
    }
    if (!DATE_TIME.test(raw)) return { problem: 'must be an RFC 3339 date-time (2026-03-01T09:00:00Z) or a date (2026-03-01)' };
    const t = Date.parse(raw);
    return Number.isNaN(t) ? { problem: 'is not a valid date-time' } : { value: t };
  };
}

/** A number in (min, max]. */
function fraction(min: number, max: number): ParamReader<number> {
  return (raw) => {
    if (!/^\d+(\.\d+)?$/.test(raw)) return { problem: 'must be a decimal number' };
    const n = Number(raw);
    return n <= min || n > max ? { problem: `must be greater than ${min} and at most ${max}` } : { value: n };
  };
}

const bool: ParamReader<boolean> = (raw) => (raw === 'true' ? { value: true } : raw === 'false' ? { value: false } : { problem: 'must be true or false' });

const ttcKeys: ParamReader<TtcKey[]> = (raw) => {
  if (raw === '') return { value: [] };
  const keys = raw.split(',');
  const bad = keys.filter((k) => !(TTC_KEYS as readonly string[]).includes(k));
  if (bad.length > 0) return { problem: `must be a comma-separated subset of ${TTC_KEYS.join(', ')} (not ${bad.join(', ')})` };
  if (new Set(keys).size !== keys.length) return { problem: 'names a key twice' };
  return { value: TTC_KEYS.filter((k) => keys.includes(k)) };
};

const verbs: ParamReader<string[]> = (raw) => {
  const list = raw.split(',').filter((v) => v !== '');
  const bad = list.filter((v) => !COMPLETION_VERBS.includes(v));
  if (list.length === 0) return { problem: 'must name at least one verb' };
  return bad.length > 0 ? { problem: `names verbs not captured as completions (${bad.join(', ')}); captured: ${COMPLETION_VERBS.join(', ')}` } : { value: list };
};

const cursor: ParamReader<[number, string, string]> = (raw) => {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'string' && typeof v[2] === 'string') return { value: v as [number, string, string] };
  } catch { /* refused below */ }
  return { problem: 'is not a cursor this endpoint issued (use the `more` link as given)' };
};

export function encodeCursor(c: [number, string, string]): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

const id = text(2048);
const COMMON = {
  framework: { read: id, required: true },
  role: { read: id },
  team: { read: id },
  cohort: { read: id },
  manager: { read: id },
  from: { read: instant('start') },
  to: { read: instant('end') },
  format: { read: oneOf(['json', 'csv'] as const) },
} as const satisfies Record<string, ParamSpec<unknown>>;

/** Each endpoint's own parameters (besides the common ones). */
export const ENDPOINT_PARAMS = {
  'skills-matrix': { limit: { read: integer(1, 500) }, after: { read: id }, competency: { read: id } },
  gaps: { by: { read: oneOf(['role', 'team'] as const), required: true } },
  'gaps/learners': { by: { read: oneOf(['role', 'team'] as const), required: true }, group: { read: id, required: true }, competency: { read: id, required: true } },
  'time-to-competency': { by: { read: ttcKeys }, competency: { read: id }, curves: { read: bool } },
  readiness: {},
  proficiency: { competency: { read: id } },
  cohorts: { competency: { read: id } },
  'scenario-accuracy': { threshold: { read: fraction(0, 1) } },
  'path-completion': { verbs: { read: verbs } },
  reassessments: { days: { read: integer(1, 3650) }, limit: { read: integer(1, 1000) }, after: { read: cursor } },
} as const satisfies Record<string, Record<string, ParamSpec<unknown>>>;

export type Endpoint = keyof typeof ENDPOINT_PARAMS;

type ParsedOf<S> = { -readonly [K in keyof S]: S[K] extends { read: ParamReader<infer T> } ? (S[K] extends { required: true } ? T : T | undefined) : never };

/** The parsed parameters of an endpoint. */
export type AnalyticsQuery<E extends Endpoint> = ParsedOf<typeof COMMON> & ParsedOf<(typeof ENDPOINT_PARAMS)[E]>;

/** Parses common and endpoint parameters; checks the window. */
export function parseAnalyticsQuery<E extends Endpoint>(req: Request, endpoint: E): AnalyticsQuery<E> {
  const q = parseQuery(req, { ...COMMON, ...ENDPOINT_PARAMS[endpoint] } as Record<string, ParamSpec<unknown>>) as unknown as AnalyticsQuery<E>;
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
    throw AppError.fromProblems('INVALID_PARAMETER', [{ path: 'from', message: `must not be after to (${new Date(q.from).toISOString()} > ${new Date(q.to).toISOString()})` }]);
  }
  return q;
}

export const DEFAULT_VERBS = [SATISFIED];
