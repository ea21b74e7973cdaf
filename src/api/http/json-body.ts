import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../../errors/app-error';

/**
 * Middlewares for routes that take a JSON body: the type is checked before the body is read (a
 * wrong type is refused without buffering it), then the body is parsed (413 beyond `limit`).
 * JSON-LD (`application/ld+json`, IEEE 1484.20.3 documents) counts as JSON.
 */
export function jsonBody(limit: number): RequestHandler[] {
  const check = (req: Request, _res: Response, next: NextFunction): void => {
    const type = (req.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    next(type === 'application/json' || type === 'application/ld+json' ? undefined : new AppError('BAD_REQUEST', `Content-Type must be application/json${type ? ` (got ${type})` : ''}`));
  };
  return [check, express.json({ limit, strict: false, type: () => true })];
}
