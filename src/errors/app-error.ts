import { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue';
import type { ValidationProblem } from '../xapi/validation-problem';

/** The one error type services throw; the HTTP status comes from the catalogue. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CATALOGUE[code].status;
  }

  /** A 400 listing every problem, with a message naming them (`statements[3].actor.mbox: must be ...`). */
  static fromProblems(code: ErrorCode, problems: ValidationProblem[]): AppError {
    const lines = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    const shown = lines.slice(0, 20).join('; ');
    const more = lines.length > 20 ? ` (and ${lines.length - 20} more)` : '';
    return new AppError(code, `${shown}${more}`, { problems });
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
