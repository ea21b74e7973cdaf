import { AppError } from '../errors/app-error';

/** The statements of a request body and whether it was a single statement object. */
export interface StatementBody { statements: unknown[]; single: boolean }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The query of `PUT /statements`: exactly one `statementId`, a UUID (xAPI 1.0.3 Communication
 * §2.1.1). Returns it.
 */
export function putStatementId(query: Record<string, unknown>): string {
  const unknown = Object.keys(query).filter((k) => k !== 'statementId');
  if (unknown.length > 0) throw new AppError('INVALID_PARAMETER', `${unknown.join(', ')}: not a parameter of PUT /statements`);
  const statementId = query.statementId;
  if (typeof statementId !== 'string') throw new AppError('INVALID_PARAMETER', 'statementId: PUT /statements needs exactly one statementId parameter');
  if (!UUID.test(statementId)) throw new AppError('INVALID_PARAMETER', 'statementId: must be a UUID');
  return statementId;
}

/** The body of `PUT /statements`: one statement, whose id (when given) matches `statementId` (§2.1.1). */
export function putStatements(body: unknown, statementId: string): StatementBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('INVALID_STATEMENT', 'PUT /statements takes one statement object');
  const given = (body as { id?: unknown }).id;
  if (given !== undefined && (typeof given !== 'string' || given.toLowerCase() !== statementId.toLowerCase())) {
    throw new AppError('INVALID_STATEMENT', `id: ${JSON.stringify(given)} does not match the statementId parameter ${statementId}`);
  }
  return { statements: [{ ...body, id: statementId }], single: true };
}

/** The body of `POST /statements`: one statement or an array of them (§2.1.2). */
export function postStatements(body: unknown): StatementBody {
  return Array.isArray(body) ? { statements: body, single: false } : { statements: [body], single: true };
}
