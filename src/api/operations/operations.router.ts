import { Router } from 'express';
import type { AuthService } from '../../auth/auth.service';
import { requireScope } from '../../http/authenticate.middleware';
import { integer, parseQuery, text, type ParamReader } from '../http/query';
import { storeOf } from '../http/principal';
import type { OperationsService } from './operations.service';

export interface OperationsRouterDeps {
  auth: AuthService;
  operations: OperationsService;
}

const instant: ParamReader<Date> = (raw) => {
  const t = Date.parse(raw);
  return /^\d{4}-\d{2}-\d{2}T/.test(raw) && !Number.isNaN(t) ? { value: new Date(t) } : { problem: 'must be an RFC 3339 date-time, e.g. 2024-03-01T09:00:00Z' };
};

/**
 * /api/rebuild (competency/admin), /api/jobs/:id, /api/failed-jobs, /api/skips (competency/read):
 * the scoring pipeline's operations for the caller's store.
 */
export function operationsRouter(deps: OperationsRouterDeps): Router {
  const router = Router();
  const read = requireScope(deps.auth, 'competency/read', 'read');
  const admin = requireScope(deps.auth, 'competency/admin', 'write');

  router.post('/rebuild', admin, async (req, res) => {
    parseQuery(req, {});
    const job = await deps.operations.rebuild(storeOf(res));
    res.status(202).location(`${req.baseUrl}/jobs/${encodeURIComponent(job.id)}`).json({ jobId: job.id, job });
  });

  router.get('/jobs/:id', read, async (req, res) => {
    parseQuery(req, {});
    res.json(await deps.operations.job(storeOf(res), req.params.id as string));
  });

  router.get('/failed-jobs', read, async (req, res) => {
    const q = parseQuery(req, { limit: { read: integer(1, 1000) } });
    res.json({ failedJobs: await deps.operations.failed(storeOf(res), q.limit ?? 100) });
  });

  router.get('/skips', read, async (req, res) => {
    const q = parseQuery(req, { framework: { read: text(512) }, rule: { read: text(512) }, limit: { read: integer(1, 1000) }, before: { read: instant } });
    const limit = q.limit ?? 100;
    const page = await deps.operations.skips(storeOf(res), { frameworkId: q.framework, ruleId: q.rule, limit, before: q.before });
    let more: string | null = null;
    if (page.nextBefore !== undefined) {
      const params = new URLSearchParams();
      if (q.framework !== undefined) params.set('framework', q.framework);
      if (q.rule !== undefined) params.set('rule', q.rule);
      params.set('limit', String(limit));
      params.set('before', page.nextBefore.toISOString());
      more = `${req.baseUrl}/skips?${params.toString()}`;
    }
    res.json({ skips: page.skips, more });
  });

  return router;
}
