import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, isAppError } from '../errors/app-error';

/** The one place errors become HTTP responses: `{ "error": { code, message, details? } }`. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const appError = toAppError(err);
    if (appError.code === 'INTERNAL' || appError.code === 'SERVICE_UNAVAILABLE') {
      const errorId = randomUUID();
      logger.error({ err, errorId, method: req.method, url: req.originalUrl }, 'request failed');
      appError.message = `${appError.message} (error id ${errorId})`;
    }
    if (res.headersSent) return;
    res.status(appError.status).json({ error: { code: appError.code, message: appError.message, ...(appError.details !== undefined ? { details: appError.details } : {}) } });
  };
}

/** Maps errors thrown by libraries (body parser, MongoDB driver) onto the catalogue. */
function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string; name?: string; limit?: number };
  if (e?.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${e.limit} bytes`);
  if (e?.type === 'entity.parse.failed') return new AppError('BAD_REQUEST', `Request body is not valid JSON: ${e.message}`);
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new AppError('BAD_REQUEST', e.message ?? 'Unsupported body encoding');
  if (['MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoNotConnectedError', 'MongoTopologyClosedError'].includes(e?.name ?? '')) {
    return new AppError('SERVICE_UNAVAILABLE', 'The database is unavailable; nothing was stored, retry later');
  }
  return new AppError('INTERNAL', 'Internal error');
}
