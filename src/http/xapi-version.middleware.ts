import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { parseVersionHeader, responseVersion, type XapiLine } from '../xapi/xapi-version';

declare module 'express-serve-static-core' {
  interface Locals {
    line?: XapiLine;
  }
}

/**
 * xAPI 1.0.3 Communication §6.2 / xAPI 2.0: every request names its version (except GET /about),
 * and every response, errors included, carries `X-Experience-API-Version`. The answer uses the
 * version the request asked for; a request without a usable header is answered in 2.0.0.
 */
export function xapiVersion(opts: { optionalFor?: (req: Request) => boolean } = {}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('X-Experience-API-Version');
    const line = parseVersionHeader(header);
    res.set('X-Experience-API-Version', responseVersion(line ?? '2.0'));
    if (line) {
      res.locals.line = line;
      return next();
    }
    if (header === undefined && opts.optionalFor?.(req)) return next();
    next(new AppError('VERSION_HEADER', header === undefined
      ? 'X-Experience-API-Version header is required (this LRS serves 1.0.3 and 2.0.0)'
      : `X-Experience-API-Version "${header}" is not served here (use 1.0.x or 2.0.x)`));
  };
}
