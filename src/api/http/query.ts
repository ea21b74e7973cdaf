import type { Request } from 'express';
import { AppError } from '../../errors/app-error';
import type { ValidationProblem } from '../../xapi/validation-problem';

/**
 * A reader of one query parameter: returns the parsed value or a problem message. Readers never
 * see absent parameters; `required` decides what absence means.
 */
export type ParamReader<T> = (raw: string) => { value: T } | { problem: string };

/** What a parameter is: its reader and whether it must be given. */
export interface ParamSpec<T> {
  read: ParamReader<T>;
  /** @defaultValue false */
  required?: boolean;
}

type Parsed<S extends Record<string, ParamSpec<unknown>>> = {
  [K in keyof S]: S[K] extends ParamSpec<infer T> ? (S[K]['required'] extends true ? T : T | undefined) : never;
};

/**
 * Parses the query string of an /api request against `spec`, listing every problem at once
 * (unknown, repeated, missing or malformed parameters) in one 400 `INVALID_PARAMETER`.
 */
export function parseQuery<S extends Record<string, ParamSpec<unknown>>>(req: Request, spec: S): Parsed<S> {
  const query = req.query as Record<string, unknown>;
  const problems: ValidationProblem[] = [];
  const out: Record<string, unknown> = {};
  const route = `${req.method} ${req.baseUrl}${req.route?.path === '/' ? '' : String(req.route?.path ?? '')}`;
  for (const name of Object.keys(query)) {
    if (!(name in spec)) problems.push({ path: name, message: `is not a parameter of ${route}${Object.keys(spec).length > 0 ? ` (known: ${Object.keys(spec).join(', ')})` : ' (it takes none)'}` });
  }
  for (const [name, s] of Object.entries(spec)) {
    const raw = query[name];
    if (raw === undefined) {
      if (s.required) problems.push({ path: name, message: 'is required' });
      continue;
    }
    if (typeof raw !== 'string') {
      problems.push({ path: name, message: 'must be given once' });
      continue;
    }
    const r = s.read(raw);
    if ('problem' in r) problems.push({ path: name, message: r.problem });
    else out[name] = r.value;
  }
  if (problems.length > 0) throw AppError.fromProblems('INVALID_PARAMETER', problems);
  return out as Parsed<S>;
}

/** A non-empty string of at most `max` characters. */
export function text(max = 512): ParamReader<string> {
  return (raw) => (raw.length === 0 ? { problem: 'must not be empty' } : raw.length > max ? { problem: `must be at most ${max} characters` } : { value: raw });
}

/** An integer in [min, max]. */
export function integer(min: number, max: number): ParamReader<number> {
  return (raw) => {
    if (!/^-?\d+$/.test(raw)) return { problem: 'must be an integer' };
    const n = Number(raw);
    return n < min || n > max ? { problem: `must be between ${min} and ${max}` } : { value: n };
  };
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(values: readonly T[]): ParamReader<T> {
  return (raw) => ((values as readonly string[]).includes(raw) ? { value: raw as T } : { problem: `must be one of ${values.join(', ')}` });
}

/** A route parameter as a positive integer (e.g. a version number); 400 otherwise. */
export function positiveIntParam(value: string, name: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new AppError('INVALID_PARAMETER', `${name}: must be a positive integer (got ${JSON.stringify(value)})`);
  return Number(value);
}
