import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AuthService } from '../../auth/auth.service';
import { AppError } from '../../errors/app-error';
import { requireScope } from '../../http/authenticate.middleware';
import { jsonBody } from '../http/json-body';
import { integer, parseQuery, text } from '../http/query';
import { storeOf } from '../http/principal';
import type { LearnersService } from './learners.service';

export interface LearnersRouterDeps {
  auth: AuthService;
  learners: LearnersService;
  bodyLimitBytes: number;
  /** @defaultValue 100 */
  pageSizeDefault?: number;
  /** @defaultValue 1000 */
  pageSizeMax?: number;
}

/** /api/learners: people and their agent identities (read: competency/read; write: competency/write). */
export function learnersRouter(deps: LearnersRouterDeps): Router {
  const router = Router();
  const read = requireScope(deps.auth, 'competency/read', 'read');
  const write = requireScope(deps.auth, 'competency/write', 'write');
  const pageDefault = deps.pageSizeDefault ?? 100;
  const pageMax = deps.pageSizeMax ?? 1000;
  const csvBody = express.text({ type: () => true, limit: deps.bodyLimitBytes });
  const requireCsv = (req: Request, _res: Response, next: NextFunction): void => {
    const type = (req.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase();
    next(type === 'text/csv' ? undefined : new AppError('BAD_REQUEST', `Content-Type must be text/csv for a learners import${type ? ` (got ${type})` : ''}`));
  };

  router.get('/', read, async (req, res) => {
    const q = parseQuery(req, {
      role: { read: text(200) }, team: { read: text(200) }, cohort: { read: text(200) }, manager: { read: text(200) },
      limit: { read: integer(1, pageMax) }, after: { read: text(200) },
    });
    const limit = q.limit ?? pageDefault;
    const filter = { role: q.role, team: q.team, cohort: q.cohort, manager: q.manager };
    const page = await deps.learners.list(storeOf(res), filter, limit, q.after);
    let more: string | null = null;
    if (page.last !== undefined) {
      const params = new URLSearchParams(Object.entries({ ...filter, limit: String(limit) }).filter((e): e is [string, string] => e[1] !== undefined));
      params.set('after', page.last);
      more = `${req.baseUrl}?${params.toString()}`;
    }
    res.json({ learners: page.learners, more });
  });

  router.post('/import', write, requireCsv, csvBody, async (req, res) => {
    parseQuery(req, {});
    if (typeof req.body !== 'string') throw new AppError('BAD_REQUEST', 'The learners import needs a CSV body');
    res.json(await deps.learners.importCsv(storeOf(res), req.body));
  });

  router.put('/:id', write, ...jsonBody(deps.bodyLimitBytes), async (req, res) => {
    parseQuery(req, {});
    const { learner, created } = await deps.learners.put(storeOf(res), req.params.id as string, req.body);
    if (created) res.status(201).location(`${req.baseUrl}/${encodeURIComponent(learner.learnerId)}`);
    res.json(learner);
  });

  router.get('/:id', read, async (req, res) => {
    parseQuery(req, {});
    res.json(await deps.learners.get(storeOf(res), req.params.id as string));
  });

  return router;
}
