import type { NextFunction, Request, Response } from 'express';
import { AppError, isAppError } from '../errors/app-error';
import type { AuthService, Principal } from '../auth/auth.service';
import { grants, type Need } from '../auth/scopes';

declare module 'express-serve-static-core' {
  interface Locals {
    principal?: Principal;
    /** True when the caller may read only statements it stored (`statements/read/mine`). */
    mineOnly?: boolean;
  }
}

/** Authenticates the request (401 on failure) and checks it holds the scope `need` asks (403). */
export function requireScope(auth: AuthService, need: Need, mode: 'read' | 'write' | ((req: Request) => 'read' | 'write')) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const principal = res.locals.principal ?? (await auth.authenticate(req.get('Authorization')));
      res.locals.principal = principal;
      const m = typeof mode === 'function' ? mode(req) : mode;
      const granted = grants(principal.scopes, need, m);
      if (!granted.ok) throw new AppError('FORBIDDEN', `This credential lacks the scope needed to ${m} ${need.split('/')[0]} (has: ${principal.scopes.join(', ')})`);
      res.locals.mineOnly = granted.mineOnly;
      next();
    } catch (err) {
      if (isAppError(err) && err.code === 'UNAUTHORIZED') res.set('WWW-Authenticate', 'Basic realm="xAPI"');
      next(err);
    }
  };
}
