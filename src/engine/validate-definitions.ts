/**
 * Validation of frameworks and mapping rules: structure by the JSON Schemas in
 * `schemas/competency/` (compiled once, when this module loads), then the checks a schema cannot
 * express (see `definition-checks.ts`). Every problem is reported, each with its path, so the
 * API can answer one 400 naming them all and save nothing.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import casePackageSchema from '../../schemas/competency/case-package.schema.json';
import commonSchema from '../../schemas/competency/common.schema.json';
import frameworkSchema from '../../schemas/competency/framework.schema.json';
import mappingRuleSchema from '../../schemas/competency/mapping-rule.schema.json';
import mappingRulesSchema from '../../schemas/competency/mapping-rules.schema.json';
import type { ValidationProblem } from '../xapi/validation-problem';
import { checkFramework, checkMappingRules } from './definition-checks';
import { formatPath } from './problem-path';
import type { Framework, MappingRule } from './types';

const VALIDATORS = (() => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, discriminator: true });
  ajv.addSchema(commonSchema);
  ajv.addSchema(mappingRuleSchema);
  return {
    framework: ajv.compile<Framework>(frameworkSchema),
    rules: ajv.compile<MappingRule[]>(mappingRulesSchema),
    casePackage: ajv.compile(casePackageSchema),
  };
})();

/** Outcome of parsing a definition: the typed value, or every problem found. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: ValidationProblem[] };

/** Every problem with a framework document; empty when it is valid. */
export function validateFramework(input: unknown): ValidationProblem[] {
  const structural = schemaProblems(VALIDATORS.framework, input);
  if (structural.length > 0) return structural;
  return checkFramework(input as Framework);
}

/** A framework document as a typed value, or its problems. */
export function parseFramework(input: unknown): Parsed<Framework> {
  const problems = validateFramework(input);
  return problems.length === 0 ? { ok: true, value: input as Framework } : { ok: false, problems };
}

/**
 * Every problem with a list of mapping rules for `framework` (which should itself be valid).
 * Paths start at the list: `[2].produce[0].competencyId`.
 */
export function validateMappingRules(input: unknown, framework: Framework): ValidationProblem[] {
  const structural = schemaProblems(VALIDATORS.rules, input);
  if (structural.length > 0) return structural;
  return checkMappingRules(input as MappingRule[], framework);
}

/** A list of mapping rules as a typed value, or its problems. */
export function parseMappingRules(input: unknown, framework: Framework): Parsed<MappingRule[]> {
  const problems = validateMappingRules(input, framework);
  return problems.length === 0 ? { ok: true, value: input as MappingRule[] } : { ok: false, problems };
}

/** Structural problems of a CASE CFPackage (the parts `frameworkFromCase` reads). */
export function validateCasePackageShape(input: unknown): ValidationProblem[] {
  return schemaProblems(VALIDATORS.casePackage, input);
}

function schemaProblems(validate: ValidateFunction, input: unknown): ValidationProblem[] {
  if (validate(input)) return [];
  const seen = new Set<string>();
  const problems: ValidationProblem[] = [];
  for (const error of validate.errors ?? []) {
    const problem = describe(error);
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

// The tags of the schemas' discriminated unions (ajv's error does not list the allowed values).
const DISCRIMINATED: Record<string, readonly string[]> = {
  from: ['score.scaled', 'success', 'choice-table', 'constant'],
  mode: ['all-children', 'weighted'],
};

function describe(error: ErrorObject): ValidationProblem {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  const path = (extra?: unknown) =>
    formatPath(extra === undefined ? segments : [...segments, String(extra)]);
  switch (error.keyword) {
    case 'required':
      return { path: path(params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { path: path(params.additionalProperty), message: 'is not a known property' };
    case 'enum':
      return { path: path(), message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path: path(), message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'discriminator': {
      const kinds = DISCRIMINATED[String(params.tag)];
      const allowed = kinds === undefined ? 'an allowed kind' : `one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}`;
      return { path: path(params.tag), message: `must be ${allowed}` };
    }
    case 'minProperties':
      return { path: path(), message: 'must not be empty' };
    default:
      return { path: path(), message: error.message ?? `fails ${error.keyword}` };
  }
}
