import type { ValidationProblem } from '../../xapi/validation-problem';
import type { XapiLine } from '../../xapi/xapi-version';
import { comparePaths, formatPath, isWithin, joinPath, type Issue } from './issue';
import { checkStructure } from './schema-check';
import { checkCrossPropertyRules } from './statement-rules';

/** Options for {@link validateStatement}. */
export interface ValidateStatementOptions {
  /** The xAPI version line the request was made in (from `X-Experience-API-Version`). */
  line: XapiLine;
  /**
   * Prefix for every problem path, e.g. `statements[3]`.
   * @defaultValue none: paths start at the statement root (`actor.mbox`)
   */
  path?: string;
}

/** Options for {@link validateStatementBatch}. */
export interface ValidateBatchOptions {
  /** The xAPI version line the request was made in (from `X-Experience-API-Version`). */
  line: XapiLine;
}

/**
 * Every problem that makes `statement` unacceptable to an LRS serving `line`; an empty list
 * means it is valid. The JSON Schema for the line (`schemas/xapi/statement-<line>.schema.json`)
 * checks the structure; TypeScript checks the rules between properties. Paths are relative to
 * the statement, prefixed with `opts.path` when given; problems are ordered by path.
 */
export function validateStatement(statement: unknown, opts: ValidateStatementOptions): ValidationProblem[] {
  return toProblems(statementIssues(statement, opts.line), opts.path);
}

/**
 * Validates the body of `POST /statements` or `PUT /statements`: one Statement object, or an
 * array of them. Paths are `statements[i].…` for an array and start at the root for a single
 * statement. Also rejects a batch that uses one statement id twice (xAPI 1.0.3 Communication
 * §2.1.2, POST Statements: SHOULD* reject such a batch; 2.0 makes it a SHALL).
 */
export function validateStatementBatch(input: unknown, opts: ValidateBatchOptions): ValidationProblem[] {
  if (!Array.isArray(input)) {
    if (input !== null && typeof input === 'object') return validateStatement(input, { line: opts.line });
    return [{ path: '', message: 'must be a Statement object or an array of Statements' }];
  }
  const problems: ValidationProblem[] = [];
  const firstWithId = new Map<string, number>();
  input.forEach((statement: unknown, index) => {
    const path = `statements[${index}]`;
    problems.push(...validateStatement(statement, { line: opts.line, path }));
    const id = statementId(statement);
    if (id === undefined) return;
    const first = firstWithId.get(id);
    if (first === undefined) firstWithId.set(id, index);
    else problems.push({ path: `${path}.id`, message: `must be unique in the batch; statements[${first}] has the same id` });
  });
  return problems;
}

function statementId(statement: unknown): string | undefined {
  if (statement === null || typeof statement !== 'object') return undefined;
  const id = (statement as Record<string, unknown>).id;
  // Ids differing only in case are the same UUID.
  return typeof id === 'string' ? id.toLowerCase() : undefined;
}

function statementIssues(statement: unknown, line: XapiLine): Issue[] {
  if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) {
    return [{ at: [], message: 'must be a Statement object' }];
  }
  const structure = checkStructure(statement, line);
  const all = [...structure.issues, ...checkCrossPropertyRules(statement)];
  // An object with the wrong objectType gets only that problem: the rest would describe a
  // shape the sender never meant.
  return all.filter(
    (issue) =>
      !structure.wrongObjectTypes.some(
        (root) => isWithin(issue.at, root) && !(issue.at.length === root.length + 1 && issue.at.at(-1) === 'objectType'),
      ),
  );
}

function toProblems(issues: readonly Issue[], prefix: string | undefined): ValidationProblem[] {
  return [...issues]
    .sort((a, b) => comparePaths(a.at, b.at))
    .map((issue) => ({ path: joinPath(prefix, formatPath(issue.at)), message: issue.message }));
}
