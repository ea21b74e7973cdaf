import type { Response } from 'express';
import type { Principal } from '../../auth/auth.service';

/** The authenticated caller (set by `requireScope`, which every /api route runs first). */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal;
  if (!principal) throw new Error('requireScope must run before an /api handler');
  return principal;
}

/** The caller's store: every /api query is filtered by it. */
export function storeOf(res: Response): string {
  return principalOf(res).store;
}
