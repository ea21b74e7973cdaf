/**
 * JSON Schemas of /api request bodies (`schemas/api/`), compiled once when this module loads.
 * Problems come back with paths in the repository's style (`identities[1]`, `attachment.sha2`).
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import commonSchema from '../../../schemas/api/common.schema.json';
import learnerSchema from '../../../schemas/api/learner.schema.json';
import observationSchema from '../../../schemas/api/observation.schema.json';
import { formatPath } from '../../engine/problem-path';
import type { ValidationProblem } from '../../xapi/validation-problem';

// verbose: errors carry their schema, whose description names what a oneOf/anyOf expects.
const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
addFormats(ajv, ['date', 'date-time', 'uri']);
ajv.addSchema(commonSchema);

const VALIDATORS = {
  learner: ajv.compile(learnerSchema),
  observation: ajv.compile(observationSchema),
} as const;

export type BodySchema = keyof typeof VALIDATORS;

/** Every schema problem of `body`; empty when it conforms. `prefix` is put before each path. */
export function schemaProblems(schema: BodySchema, body: unknown, prefix: readonly (string | number)[] = []): ValidationProblem[] {
  const validate: ValidateFunction = VALIDATORS[schema];
  if (validate(body)) return [];
  const seen = new Set<string>();
  const out: ValidationProblem[] = [];
  for (const e of validate.errors ?? []) {
    if (isBranchNoise(e, validate.errors ?? [])) continue;
    const p = describe(e, prefix);
    const key = `${p.path}\u0000${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

// oneOf/anyOf report each failed branch at the same place, then themselves; the summary line
// (which names what is expected) is the useful one.
function isBranchNoise(e: ErrorObject, all: readonly ErrorObject[]): boolean {
  if (e.keyword === 'oneOf' || e.keyword === 'anyOf') return false;
  return all.some((o) => (o.keyword === 'oneOf' || o.keyword === 'anyOf') && o.instancePath === e.instancePath);
}

function describe(e: ErrorObject, prefix: readonly (string | number)[]): ValidationProblem {
  const segments = [...prefix, ...e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))];
  const params = e.params as Record<string, unknown>;
  const at = (extra?: unknown) => formatPath(extra === undefined ? segments : [...segments, String(extra)]);
  switch (e.keyword) {
    case 'required':
      return { path: at(params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { path: at(params.additionalProperty), message: 'is not a known property' };
    case 'pattern':
      return { path: at(), message: patternMessage(e) };
    case 'format':
      return { path: at(), message: `must be ${FORMAT_NAMES[String(params.format)] ?? `a valid ${String(params.format)}`}` };
    case 'anyOf':
    case 'oneOf':
      return { path: at(), message: e.parentSchema?.description ? `must be ${lowerFirst(String(e.parentSchema.description))}` : `must match exactly one allowed form` };
    default:
      return { path: at(), message: e.message ?? `fails ${e.keyword}` };
  }
}

const FORMAT_NAMES: Record<string, string> = {
  date: 'a calendar date (YYYY-MM-DD)',
  'date-time': 'an RFC 3339 date-time (e.g. 2024-03-01T09:00:00Z)',
  uri: 'an absolute URI',
};

function patternMessage(e: ErrorObject): string {
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  if (e.instancePath.endsWith('/sha2')) return 'must be the SHA-256 of the file, 64 hex digits';
  if (e.instancePath.endsWith('/contentType')) return 'must be a media type such as application/pdf';
  return description ? `is not allowed: ${description}` : `must match ${String((e.params as { pattern?: string }).pattern)}`;
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1).replace(/\.$/, '') : s;
}
