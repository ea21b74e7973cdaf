import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import commonSchema from '../../../schemas/xapi/common.schema.json';
import statement10Schema from '../../../schemas/xapi/statement-1.0.schema.json';
import statement20Schema from '../../../schemas/xapi/statement-2.0.schema.json';
import type { XapiLine } from '../../xapi/xapi-version';
import { XAPI_FORMATS } from './formats';
import { formatPath, type Issue, type PathSegment } from './issue';

/** What the structural (JSON Schema) pass found. */
export interface StructureResult {
  issues: Issue[];
  /**
   * Objects whose `objectType` is wrong. Their other problems are noise (they were checked
   * against the wrong shape, or not at all), so the caller drops everything else inside them.
   */
  wrongObjectTypes: PathSegment[][];
}

// Compiled once, when this module is first loaded. `x-error` is our annotation giving the
// message for a failing keyword; strictRequired is off because oneOf/not branches list
// `required` properties that are declared by the surrounding schema.
const VALIDATORS: Readonly<Record<XapiLine, ValidateFunction>> = (() => {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false });
  ajv.addKeyword({ keyword: 'x-error', schemaType: ['string', 'object'] });
  for (const [name, format] of Object.entries(XAPI_FORMATS)) {
    ajv.addFormat(name, { type: 'string', validate: (value: string) => format.check(value) === undefined });
  }
  ajv.addSchema(commonSchema);
  return { '1.0': ajv.compile(statement10Schema), '2.0': ajv.compile(statement20Schema) };
})();

/** Checks `statement` against the JSON Schema of `line` and explains each failure in words. */
export function checkStructure(statement: unknown, line: XapiLine): StructureResult {
  const validate = VALIDATORS[line];
  if (validate(statement)) return { issues: [], wrongObjectTypes: [] };
  const errors = withoutBranchNoise(validate.errors ?? []);

  const described = errors.map((error) => describe(error, statement));
  const wrongObjectTypes = described
    .filter((d) => (d.keyword === 'const' || d.keyword === 'enum') && d.at.at(-1) === 'objectType')
    .map((d) => d.at.slice(0, -1));
  return { issues: preferCustomMessages(described), wrongObjectTypes };
}

/**
 * Drops errors that only explain why a branch was not taken: `if` failures (a discriminator
 * that did not match), `propertyNames` (its inner `format` error says it better) and the errors
 * of each alternative under a `oneOf`, which is itself reported with one meaningful message.
 */
function withoutBranchNoise(errors: readonly ErrorObject[]): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  return errors.filter((e) => {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') return false;
    return !oneOfs.some(
      (o) => o !== e && e.schemaPath.startsWith(`${o.schemaPath}/`) && isSameOrInside(e.instancePath, o.instancePath),
    );
  });
}

function isSameOrInside(pointer: string, root: string): boolean {
  return pointer === root || pointer.startsWith(`${root}/`);
}

interface Described extends Issue {
  keyword: string;
  custom: boolean;
}

function describe(error: ErrorObject, data: unknown): Described {
  const at = pointerToSegments(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') at.push(String(params.missingProperty));
  if (error.keyword === 'additionalProperties') at.push(String(params.additionalProperty));
  const custom = customMessage(error);
  return {
    at,
    keyword: error.keyword,
    custom: custom !== undefined,
    message: custom ?? genericMessage(error, params),
  };
}

function customMessage(error: ErrorObject): string | undefined {
  const xError: unknown = (error.parentSchema as Record<string, unknown> | undefined)?.['x-error'];
  if (typeof xError === 'string') return xError;
  if (xError && typeof xError === 'object') {
    const message = (xError as Record<string, unknown>)[error.keyword];
    if (typeof message === 'string') return message;
  }
  return undefined;
}

function genericMessage(error: ErrorObject, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'type':
      return error.data === null ? 'must not be null' : `must be ${TYPE_NAMES[String(params.type)] ?? params.type}`;
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'format':
      return formatMessage(error, String(params.format));
    case 'minimum':
      return `must be at least ${String(params.limit)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}`;
    case 'minItems':
      return `must have at least ${String(params.limit)} item(s)`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} item(s)`;
    case 'not':
      return 'is not allowed';
    default:
      return error.message ?? 'is not valid';
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

function formatMessage(error: ErrorObject, formatName: string): string {
  const format = XAPI_FORMATS[formatName];
  const value = typeof error.data === 'string' ? error.data : '';
  if (error.propertyName !== undefined) {
    return `key ${JSON.stringify(error.propertyName)} ${format?.keyMessage ?? 'is not valid'}`;
  }
  return format?.check(value) ?? `must be in the ${formatName} format`;
}

/**
 * When one location fails the same keyword twice (a wrapper with its own message around a
 * shared definition), keep the wrapper's message; then drop exact repeats.
 */
function preferCustomMessages(described: readonly Described[]): Issue[] {
  const customKeys = new Set(described.filter((d) => d.custom).map(keyOf));
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const d of described) {
    if (!d.custom && customKeys.has(keyOf(d))) continue;
    const id = `${formatPath(d.at)}\u0000${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push({ at: d.at, message: d.message });
  }
  return issues;
}

function keyOf(d: Described): string {
  return `${formatPath(d.at)}\u0000${d.keyword}`;
}

/** Turns a JSON Pointer into segments, using the data to tell array indexes from keys. */
function pointerToSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}
