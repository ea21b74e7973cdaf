import { Router } from 'express';
import type { AuthService } from '../../auth/auth.service';
import { requireScope } from '../../http/authenticate.middleware';
import { jsonBody } from '../http/json-body';
import { parseQuery } from '../http/query';
import { principalOf } from '../http/principal';
import type { ObservationsService } from './observations.service';

export interface ObservationsRouterDeps {
  auth: AuthService;
  observations: ObservationsService;
  bodyLimitBytes: number;
}

/** POST /api/observations (competency/write): records an observation as an xAPI statement. */
export function observationsRouter(deps: ObservationsRouterDeps): Router {
  const router = Router();
  router.post('/', requireScope(deps.auth, 'competency/write', 'write'), ...jsonBody(deps.bodyLimitBytes), async (req, res) => {
    parseQuery(req, {});
    const { statementId, statement } = await deps.observations.record(principalOf(res), req.body);
    res.status(201).location(`/xapi/statements?statementId=${statementId}`).json({ statementId, statement });
  });
  return router;
}
