import { Router, type Request, type Response } from 'express';
import type { AuthService } from '../auth/auth.service';
import { requireScope } from '../http/authenticate.middleware';
import { AppError } from '../errors/app-error';
import { storeOf } from '../api/http/principal';
import { parseAnalyticsQuery, type AnalyticsQuery, type Endpoint } from './analytics-params';
import type { AnalyticsAnswer, AnalyticsService } from './analytics.service';
import { toCsv } from './csv';

export interface AnalyticsRouterDeps {
  auth: AuthService;
  analytics: AnalyticsService;
}

/** JSON unless `format=csv`, or `Accept` prefers text/csv and no `format` is given. */
function wantsCsv(req: Request, format: 'json' | 'csv' | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

/** The same request with `after` set: the next page. */
function nextLink(req: Request, after: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query as Record<string, string>)) if (k !== 'after') params.set(k, v);
  params.set('after', after);
  return `${req.baseUrl}${req.path}?${params.toString()}`;
}

/**
 * /api/analytics (docs/analytics.md): aggregates of the competency states and evidence as JSON
 * or CSV, scope competency/read.
 */
export function analyticsRouter(deps: AnalyticsRouterDeps): Router {
  const router = Router();
  const read = requireScope(deps.auth, 'competency/read', 'read');
  const { analytics } = deps;

  const route = <E extends Endpoint>(endpoint: E, run: (store: string, q: AnalyticsQuery<E>) => Promise<AnalyticsAnswer>) => {
    router.get(`/${endpoint}`, read, async (req: Request, res: Response) => {
      const q = parseAnalyticsQuery(req, endpoint);
      const result = await run(storeOf(res), q);
      const more = result.nextAfter === undefined ? null : nextLink(req, result.nextAfter);
      res.set('Server-Timing', `refresh;dur=${result.timing.refresh.toFixed(1)}, compute;dur=${result.timing.compute.toFixed(1)}`);
      if (wantsCsv(req, q.format)) {
        if (more !== null) res.set('Link', `<${more}>; rel="next"`);
        res.set('Content-Disposition', `attachment; filename="${endpoint.replace('/', '-')}.csv"`);
        res.type('text/csv; charset=utf-8').send(toCsv(result.table));
        return;
      }
      const paged = endpoint === 'skills-matrix' || endpoint === 'reassessments';
      res.json(paged ? { ...result.body, more } : result.body);
    });
  };

  route('skills-matrix', analytics.skillsMatrix);
  route('gaps/learners', analytics.gapLearners);
  route('gaps', analytics.gaps);
  route('time-to-competency', analytics.timeToCompetency);
  route('readiness', analytics.readiness);
  route('proficiency', analytics.proficiency);
  route('cohorts', analytics.cohorts);
  route('scenario-accuracy', analytics.scenarioAccuracy);
  route('path-completion', analytics.pathCompletion);
  route('reassessments', analytics.reassessments);
  router.use((req, _res, next) => next(new AppError('NOT_FOUND', `No analytics at ${req.method} ${req.baseUrl}${req.path}; see docs/analytics.md`)));
  return router;
}
